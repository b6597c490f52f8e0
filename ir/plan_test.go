package ir

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

type kindCase struct {
	owner string
	body  Body
}

// kindCases is one valid body per kind, with its owner: the round-trip
// cases, and together the golden plan. TestRegistryComplete fails when a
// kind has none.
var kindCases = []kindCase{
	{OwnerHost, &LinkAdd{Name: "eth0.7", Type: "vlan", Link: "eth0", VlanID: 7}},
	{"guest.web", &AddrAdd{Dev: "eth0.7", Address: "10.7.0.2/16", Label: "eth0.7:web"}},
	{OwnerHost, &RouteAdd{Table: 7, To: "default", Via: "10.7.0.1"}},
	{OwnerHost, &RuleAdd{From: "10.7.0.0/16", Table: 7, Priority: 1007}},
	{OwnerHost, &Mount{Source: "/dev/vg/web", Target: "/var/lib/vservers/web", Type: "xfs", Options: []string{"prjquota", "noatime"}}},
	{"guest.web", &ProjidSet{Path: "/var/lib/vservers/web", ID: 300, Recursive: true}},
	{"guest.web", &QuotaSet{Path: "/var/lib/vservers/web", ID: 300, SpaceKiB: 1048576, Inodes: 100000, ReservedPct: 5}},
	{"guest.web", &GuestBuild{Guest: "web", Method: "debootstrap", Root: "/var/lib/vservers/web", Distribution: "bookworm", Mirror: "http://deb.debian.org/debian"}},
	{"guest.web", &NsNew{Guest: "web", Context: 300, Kinds: []string{"user", "mnt", "uts", "ipc", "pid"}, IDBase: 300 << 16, IDCount: 65536, Cleanup: true}},
	{"guest.web", &HookRun{Guest: "web", Phase: "pre_start", Command: `echo "starting web" > /tmp/web & true`}},
	{"guest.web", &GuestDev{Guest: "web", Nodes: []string{"null", "zero", "ptmx"}}},
	{"guest.web", &GuestMount{Guest: "web", Source: "proc", Target: "/proc", Type: "proc", Options: []string{"nosuid", "nodev", "hidepid=2"}}},
	{"guest.web", &GuestMask{Guest: "web", Masked: []string{"/proc/kcore", "/sys/firmware"}, Readonly: []string{"/proc/sys"}}},
	{"guest.web", &CgroupSet{Guest: "web", Context: 300, Cpus: "0-1", Mems: "0", CPUMax: "25000 100000", CPUWeight: 100, MemoryMax: 512 << 20, PidsMax: 512}},
	{"guest.web", &NetConfine{Guest: "web", Addresses: []string{"10.7.0.2", "2001:db8::2"}}},
	{"guest.db", &VethAdd{Guest: "db", Name: "vsc301", Addresses: []string{"10.7.0.3/16"}, Links: []string{"eth0.7"}, Tables: []string{"254", "7"}}},
	{"guest.web", &RlimitSet{Guest: "web", Resource: "nofile", Soft: 1024, Hard: math.MaxUint64}},
	{"guest.web", &UTSSet{Guest: "web", Nodename: "web", Domainname: "example.org"}},
	{"guest.web", &CapsDrop{Guest: "web", Drop: []string{"SYS_ADMIN", "NET_ADMIN"}}},
	{"guest.web", &SeccompSet{Guest: "web", Deny: []string{"open_by_handle_at", "kexec_load"}, Compat: true}},
	{"guest.web", &InitExec{Guest: "web", Root: "/var/lib/vservers/web", Style: "sysv", Command: []string{"/etc/init.d/rc", "3"}, Nice: 5}},
}

// goldenPlan is a plan with every kind, each op depending on the one
// before it (and the first ones on the link).
func goldenPlan() *Plan {
	p := &Plan{
		FormatVersion: FormatVersion,
		Host:          "h1",
		Source:        "examples/web.vsc.hcl",
		SourceDigest:  Digest([]byte("guest \"web\" {}\n")),
	}
	for i, c := range kindCases {
		var after []int
		if i > 0 {
			after = []int{i - 1, 0, i - 1} // Add sorts and deduplicates
		}
		p.Add(c.owner, "examples/web.vsc.hcl:"+strconv.Itoa(i+3)+":5", cloneBody(c.body), after...)
	}
	if err := p.Seal(); err != nil {
		panic(err)
	}
	return p
}

// cloneBody deep-copies a body through the JSON encoding, so that test
// cases never share slices with what they mutate.
func cloneBody(b Body) Body {
	p := &Plan{FormatVersion: FormatVersion, Ops: []*Op{{Body: b}}}
	data, err := p.MarshalJSON()
	if err != nil {
		panic(err)
	}
	q, err := Decode(data)
	if err != nil {
		panic(err)
	}
	return q.Ops[0].Body
}

var equateEmpty = cmpopts.EquateEmpty()

func TestRoundTrip(t *testing.T) {
	for _, c := range kindCases {
		t.Run(string(c.body.Kind()), func(t *testing.T) {
			p := &Plan{FormatVersion: FormatVersion, Host: "h1", Source: "x.vsc.hcl", SourceDigest: Digest(nil)}
			p.Add(OwnerHost, "x.vsc.hcl:1:1", &LinkAdd{Name: "eth9", Type: "vlan", Link: "eth0", VlanID: 9})
			p.Add(c.owner, "x.vsc.hcl:2:3", c.body, 0)
			if err := Verify(p); err != nil {
				t.Fatalf("the case is not a valid plan: %v", err)
			}
			data, err := p.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(data)
			if err != nil {
				t.Fatalf("Decode: %v\n%s", err, data)
			}
			if diff := cmp.Diff(p, got, equateEmpty); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGolden(t *testing.T) {
	p := goldenPlan()
	if err := Verify(p); err != nil {
		t.Fatalf("golden plan does not verify: %v", err)
	}
	var js bytes.Buffer
	if err := p.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct {
		file string
		got  []byte
	}{
		{"plan.txt", []byte(p.Text())},
		{"plan.json", js.Bytes()},
	} {
		path := filepath.Join("testdata", g.file)
		if *update {
			if err := os.WriteFile(path, g.got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(g.got)); diff != "" {
			t.Errorf("%s differs (-want +got; go test ./ir -update rewrites it):\n%s", path, diff)
		}
	}
}

// TestDeterministic encodes equal plans built separately, and one plan
// twice: the bytes must be identical, so that plans diff cleanly.
func TestDeterministic(t *testing.T) {
	a, b := goldenPlan(), goldenPlan()
	ja, err := a.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	jb, _ := b.MarshalJSON()
	ja2, _ := a.MarshalJSON()
	if !bytes.Equal(ja, jb) || !bytes.Equal(ja, ja2) {
		t.Error("JSON encodings of equal plans differ")
	}
	if a.Text() != b.Text() || a.Text() != a.Text() {
		t.Error("text encodings of equal plans differ")
	}
	decoded, err := Decode(ja)
	if err != nil {
		t.Fatal(err)
	}
	if decoded.Text() != a.Text() {
		t.Error("a decoded plan's text differs from the original's")
	}
	jd, _ := decoded.MarshalJSON()
	if !bytes.Equal(ja, jd) {
		t.Error("a decoded plan's JSON differs from the original's")
	}
}

func TestTextValues(t *testing.T) {
	for _, c := range []struct {
		body Body
		want string
	}{
		{&HookRun{Guest: "web", Phase: "pre_start", Command: "a b#c"}, `0 hook.run guest=web phase=pre_start command="a b#c" # f:1:1` + "\n"},
		{&HookRun{Guest: "web", Phase: "pre_start", Command: ""}, `0 hook.run guest=web phase=pre_start command="" # f:1:1` + "\n"},
		{&Mount{Source: "a", Target: "/b", Type: "t", Options: []string{"x=1,2", "y", "", "é"}}, `0 mount source=a target=/b type=t options="x=1,2",y,"","é" # f:1:1` + "\n"},
		{&NsNew{Guest: "web", Context: 2}, `0 ns.new guest=web context=2 kinds=[] id_base=0 id_count=0 cleanup=false # f:1:1` + "\n"},
		{&RlimitSet{Guest: "web", Resource: "core", Soft: 0, Hard: math.MaxUint64}, `0 rlimit.set guest=web resource=core soft=0 hard=unlimited # f:1:1` + "\n"},
		{&AddrAdd{Dev: "eth0", Address: "10.0.0.1/8"}, `0 addr.add dev=eth0 address=10.0.0.1/8 # f:1:1` + "\n"},
	} {
		op := &Op{Origin: "f:1:1", Body: c.body}
		got, err := op.appendText(nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

func TestEncodeNilOp(t *testing.T) {
	for _, p := range []*Plan{
		{Ops: []*Op{nil}},
		{Ops: []*Op{{}}},
		{Ops: []*Op{{Body: (*LinkAdd)(nil)}}},
	} {
		if _, err := p.MarshalJSON(); err == nil {
			t.Error("MarshalJSON accepted an op without body")
		}
		if err := p.WriteText(new(bytes.Buffer)); err == nil {
			t.Error("WriteText accepted an op without body")
		}
		_ = p.Text()
		if err := Verify(p); err == nil {
			t.Error("Verify accepted an op without body")
		}
	}
}

func TestAdd(t *testing.T) {
	var p Plan
	p.Add(OwnerHost, "f:1:1", &LinkAdd{})
	op := p.Add(OwnerHost, "f:1:1", &LinkAdd{}, 0, 0)
	if op.ID != 1 || !cmp.Equal(op.After, []int{0}) || p.Ops[1] != op {
		t.Errorf("Add: got id %d after %v", op.ID, op.After)
	}
}

// TestEncodingJSONInterop checks that encoding/json uses the plan's own
// encoding and strict decoding.
func TestEncodingJSONInterop(t *testing.T) {
	p := goldenPlan()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var q Plan
	if err := json.Unmarshal(data, &q); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, &q, equateEmpty); diff != "" {
		t.Errorf("json.Marshal → json.Unmarshal (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"format_version":"1"}`), &q); err == nil {
		t.Error("json.Unmarshal is not strict")
	}
	op, err := json.Marshal(p.Ops[1])
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":1,"kind":"addr.add","owner":"guest.web","origin":"examples/web.vsc.hcl:4:5","after":[0],"dev":"eth0.7","address":"10.7.0.2/16","label":"eth0.7:web"}`
	if string(op) != want {
		t.Errorf("op JSON\ngot  %s\nwant %s", op, want)
	}
}

// A plan large enough to be written in chunks on several CPUs has the
// text one CPU writes, group comments at chunk edges included, and a
// missing op stops it at the same place.
func TestTextInChunks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	p := &Plan{FormatVersion: FormatVersion, Host: "h", Source: "vsc.hcl", SourceDigest: digestPrefix + strings.Repeat("0", 64)}
	for i := 0; i < 3*parallelOps+17; i++ {
		c := kindCases[i%len(kindCases)]
		// Owners change every 7 ops, so that runs cross chunk edges.
		p.Add(c.owner+strconv.Itoa(i/7), "vsc.hcl:1:1", c.body)
	}
	text := func(cpus int) (string, error) {
		runtime.GOMAXPROCS(cpus)
		var b bytes.Buffer
		err := p.WriteText(&b)
		return b.String(), err
	}
	one, _ := text(1)
	if n := strings.Count(one, "\n"); n < len(p.Ops) {
		t.Fatalf("the text has %d lines for %d ops", n, len(p.Ops))
	}
	if many, _ := text(4); many != one {
		t.Errorf("written in chunks, the text differs:\n%s", cmp.Diff(one, many))
	}
	p.Ops[2*textChunk+5] = nil
	oneText, oneErr := text(1)
	manyText, manyErr := text(4)
	if oneErr == nil || manyErr == nil || oneErr.Error() != manyErr.Error() || oneText != manyText {
		t.Errorf("a missing op: one CPU %v, several %v; the texts are the same: %v", oneErr, manyErr, oneText == manyText)
	}
}
