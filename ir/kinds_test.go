package ir

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/elastic/go-seccomp-bpf/arch"
)

// noInverse lists the kinds that nothing undoes, each for a reason.
var noInverse = map[Kind]string{
	KindHookRun: "a hook's effects are its own; stop runs the stop hooks",
}

// TestRegistryComplete fails when a kind lacks a part: a constructor, an
// inverse, a claims function, a round-trip case, a guest field (for a
// guest step) or its section in docs/plan.md.
func TestRegistryComplete(t *testing.T) {
	doc, err := os.ReadFile("../docs/plan.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[Kind]bool{}
	for _, info := range Kinds() {
		k := info.Kind
		if k == "" || seen[k] {
			t.Errorf("kind %q: empty or registered twice", k)
		}
		seen[k] = true
		if info.New == nil || info.New() == nil || info.New().Kind() != k {
			t.Errorf("%s: no constructor, or one that makes another kind", k)
		}
		if _, ok := noInverse[k]; (info.Inverse == "") != ok {
			t.Errorf("%s: inverse %q; only the kinds of noInverse have none", k, info.Inverse)
		}
		if info.Claims == nil {
			t.Errorf("%s: no claims function", k)
		}
		if !slices.ContainsFunc(kindCases, func(c kindCase) bool { return c.body.Kind() == k }) {
			t.Errorf("%s: no round-trip case in kindCases", k)
		}
		if got, ok := Lookup(k); !ok || got.Kind != k {
			t.Errorf("%s: Lookup does not find it", k)
		}
		fields := lookup(k).fields
		if !info.HostState && (len(fields) == 0 || fields[0].name != "guest" || fields[0].typ != typeString) {
			t.Errorf("%s: a guest step's first field must be guest string", k)
		}
		// The reference for users names every kind and field.
		section := docSection(string(doc), "### `"+string(k)+"`")
		if section == "" {
			t.Errorf("%s: no section in docs/plan.md", k)
		}
		for _, f := range fields {
			if !strings.Contains(section, "`"+f.name+"`") {
				t.Errorf("%s: field %s not in its docs/plan.md section", k, f.name)
			}
		}
	}
	for _, c := range kindCases {
		if !seen[c.body.Kind()] {
			t.Errorf("%s: a case for a kind not in the registry", c.body.Kind())
		}
	}
	if len(kindCases) != len(seen) {
		t.Errorf("%d cases for %d kinds: one case per kind", len(kindCases), len(seen))
	}
}

// docSection returns the text from heading to the next heading.
func docSection(doc, heading string) string {
	_, rest, ok := strings.Cut(doc, heading+"\n")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "\n#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func TestKindsIsACopy(t *testing.T) {
	k := Kinds()
	k[0].Inverse = "changed"
	if Kinds()[0].Inverse == "changed" {
		t.Error("Kinds returns the registry itself")
	}
}

func TestBodyFieldsRejectsBadTags(t *testing.T) {
	for _, v := range []any{
		struct{ A string }{},
		struct {
			A string `ir:"id"`
		}{},
		struct {
			A float64 `ir:"a"`
		}{},
		struct {
			A int `ir:"a,unlimited"`
		}{},
		struct {
			A, B string `ir:"a"`
		}{},
		struct {
			A string `ir:"a,sometimes"`
		}{},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%T: accepted", v)
				}
			}()
			bodyFields(reflect.TypeOf(v))
		}()
	}
}

func TestClaims(t *testing.T) {
	for _, c := range []struct {
		body Body
		want []string
	}{
		{&LinkAdd{Name: "eth0.7"}, []string{"link:eth0.7"}},
		{&AddrAdd{Dev: "eth0", Address: "10.7.0.2/16", Label: "eth0:monvs"}, []string{"addr:10.7.0.2", "label:eth0:monvs"}},
		{&AddrAdd{Dev: "eth0", Address: "10.7.0.2/16"}, []string{"addr:10.7.0.2"}},
		{&RouteAdd{Table: 7, To: "10.7.0.0/16"}, []string{"route:7:10.7.0.0/16"}},
		{&RouteAdd{Table: 7, To: "default"}, []string{"route:7:0.0.0.0/0"}},
		{&RuleAdd{Priority: 1007}, []string{"prio:1007"}},
		{&NsNew{Context: 300}, []string{"context:300"}},
		{&ProjidSet{ID: 300}, []string{"projid:300"}},
		{&HookRun{}, nil},
	} {
		info, _ := Lookup(c.body.Kind())
		if got := info.Claims(c.body); !slices.Equal(got, c.want) {
			t.Errorf("%s: claims %q, want %q", c.body.Kind(), got, c.want)
		}
	}
	info, _ := Lookup(KindLinkAdd)
	if got := info.Claims(&AddrAdd{}); got != nil {
		t.Errorf("claims of a body of another kind: %q", got)
	}
	if got := info.Claims((*LinkAdd)(nil)); got != nil {
		t.Errorf("claims of a nil body: %q", got)
	}
}

// The syscall table is what go run ./internal/gensyscalls writes from
// go-seccomp-bpf's tables: every name, every number, on every ABI.
func TestSyscallTable(t *testing.T) {
	abis := map[string]*arch.Info{"x86_64": arch.X86_64, "i386": arch.I386, "aarch64": arch.AARCH64, "arm": arch.ARM}
	if len(abis) != len(syscallABIs) {
		t.Fatalf("ABIs %v", syscallABIs)
	}
	for abi, a := range abis {
		for name, want := range a.SyscallNames {
			if got, ok := SyscallNumber(abi, name); !ok || got != want {
				t.Errorf("%s %s: %d %v, want %d", abi, name, got, ok, want)
			}
		}
	}
	for _, r := range syscallTable {
		for i, nr := range r.nr {
			if _, ok := abis[syscallABIs[i]].SyscallNames[r.name]; ok != (nr >= 0) {
				t.Errorf("%s on %s: %d in the table", r.name, syscallABIs[i], nr)
			}
		}
	}
	if !slices.IsSorted(SyscallNames()) || !Syscall("open_by_handle_at") || Syscall("open_by_handle") {
		t.Error("lookups")
	}
}
