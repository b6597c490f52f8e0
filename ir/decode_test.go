package ir

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// opJSON wraps op objects in a valid plan.
func opJSON(ops ...string) string {
	return `{"format_version":"1","host":"h","source":"s","source_digest":"sha256:` + strings.Repeat("0", 64) + `","ops":[` + strings.Join(ops, ",") + `]}`
}

const linkOp = `{"id":0,"kind":"link.add","owner":"host","origin":"f:1:1","after":[],"name":"eth0.7","type":"vlan","link":"eth0","vlan_id":7}`

func TestDecodeAccepts(t *testing.T) {
	for _, c := range []struct {
		name, data string
		want       *Op
	}{
		{"keys in any order", opJSON(`{"vlan_id":7,"link":"eth0","type":"vlan","name":"eth0.7","after":[],"origin":"f:1:1","owner":"host","kind":"link.add","id":0}`),
			&Op{Owner: "host", Origin: "f:1:1", Body: &LinkAdd{Name: "eth0.7", Type: "vlan", Link: "eth0", VlanID: 7}}},
		{"omitempty left out", opJSON(`{"id":0,"kind":"addr.add","owner":"host","origin":"f:1:1","after":[],"dev":"eth0","address":"10.0.0.1/8"}`),
			&Op{Owner: "host", Origin: "f:1:1", Body: &AddrAdd{Dev: "eth0", Address: "10.0.0.1/8"}}},
		{"omitempty written", opJSON(`{"id":0,"kind":"addr.add","owner":"host","origin":"f:1:1","after":[],"dev":"eth0","address":"10.0.0.1/8","label":""}`),
			&Op{Owner: "host", Origin: "f:1:1", Body: &AddrAdd{Dev: "eth0", Address: "10.0.0.1/8"}}},
		{"unlimited as a number", opJSON(`{"id":0,"kind":"rlimit.set","owner":"guest.a","origin":"f:1:1","after":[],"guest":"a","resource":"core","soft":0,"hard":18446744073709551615}`),
			&Op{Owner: "guest.a", Origin: "f:1:1", Body: &RlimitSet{Guest: "a", Resource: "core", Hard: math.MaxUint64}}},
		{"unlimited as a word", opJSON(`{"id":0,"kind":"rlimit.set","owner":"guest.a","origin":"f:1:1","after":[],"guest":"a","resource":"core","soft":"unlimited","hard":"unlimit\u0065d"}`),
			&Op{Owner: "guest.a", Origin: "f:1:1", Body: &RlimitSet{Guest: "a", Resource: "core", Soft: math.MaxUint64, Hard: math.MaxUint64}}},
	} {
		p, err := Decode([]byte(c.data))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if diff := cmp.Diff([]*Op{c.want}, p.Ops, equateEmpty); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	// op returns linkOp with one key's value replaced (or the key
	// removed, when value is "").
	op := func(key, value string) string {
		var parts []string
		for _, kv := range strings.Split(strings.Trim(linkOp, "{}"), ",") {
			if strings.HasPrefix(kv, `"`+key+`":`) {
				if value == "" {
					continue
				}
				kv = `"` + key + `":` + value
			}
			parts = append(parts, kv)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	for _, c := range []struct{ name, data, want string }{
		{"empty", ``, `plan: invalid JSON`},
		{"not JSON", `{"format_version":`, `plan: format_version: invalid JSON: unexpected EOF`},
		{"not a key", `{1:2}`, `plan: invalid JSON`},
		{"array", `[]`, `plan: want an object, got an array`},
		{"null", ` null`, `plan: want an object, got null`},
		{"trailing", opJSON() + `{}`, `plan: invalid JSON: data after the object`},
		{"top unknown key", strings.Replace(opJSON(), `"host"`, `"hots"`, 1), `plan: hots: unknown key`},
		{"top duplicate key", strings.Replace(opJSON(), `"host":"h"`, `"host":"h","host":"i"`, 1), `plan: key "host" appears twice`},
		{"top missing", `{"format_version":"1"}`, `plan: host: missing`},
		{"version", strings.Replace(opJSON(), `"format_version":"1"`, `"format_version":"2"`, 1), `plan: format_version: version "2" is not "1"`},
		{"version type", strings.Replace(opJSON(), `"format_version":"1"`, `"format_version":1`, 1), `plan: format_version: want a string, got a number`},
		{"ops null", strings.Replace(opJSON(), `"ops":[]`, `"ops":null`, 1), `plan: ops: want an array, got null`},
		{"op not object", opJSON(`7`), `op 0: want an object, got a number`},
		{"nested", opJSON(strings.Repeat("[", 50) + strings.Repeat("]", 50)), `op 0: want an object, got an array`},
		{"deep nesting", opJSON(strings.Repeat("[", 100000) + strings.Repeat("]", 100000)), `plan: ops: invalid JSON: invalid character '[' exceeded max depth`},
		{"deep in a value", opJSON(op("name", strings.Repeat("[", 100000)+strings.Repeat("]", 100000))), `plan: ops: invalid JSON: invalid character '[' exceeded max depth`},
		{"missing kind", opJSON(op("kind", "")), `op 0: kind: want a string, got nothing`},
		{"unknown kind", opJSON(op("kind", `"link.set"`)), `op 0: kind: unknown kind "link.set"`},
		{"missing id", opJSON(op("id", "")), `op 0 (link.add): id: missing`},
		{"missing owner", opJSON(op("owner", "")), `op 0 (link.add): owner: missing`},
		{"missing after", opJSON(op("after", "")), `op 0 (link.add): after: missing`},
		{"missing field", opJSON(op("vlan_id", "")), `op 0 (link.add): vlan_id: missing`},
		{"unknown field", opJSON(op("name", `"eth0.7","mtu":1500`)), `op 0 (link.add): mtu: unknown key`},
		{"duplicate field", opJSON(op("name", `"eth0.7","name":"eth0.8"`)), `op 0: key "name" appears twice`},
		{"duplicate escaped", opJSON(op("name", `"eth0.7","n\u0061me":"eth0.8"`)), `op 0: key "name" appears twice`},
		{"string for int", opJSON(op("vlan_id", `"7"`)), `op 0 (link.add): vlan_id: want an integer, got a string`},
		{"float", opJSON(op("vlan_id", `7.0`)), `op 0 (link.add): vlan_id: want an integer that fits int, got 7.0`},
		{"exponent", opJSON(op("vlan_id", `7e0`)), `vlan_id: want an integer that fits int, got 7e0`},
		{"huge", opJSON(op("vlan_id", `1`+strings.Repeat("0", 400))), `op 0 (link.add): vlan_id: want an integer that fits int, got 1000000000`},
		{"id string", opJSON(op("id", `"0"`)), `op 0 (link.add): id: want an integer, got a string`},
		{"int for string", opJSON(op("name", `7`)), `op 0 (link.add): name: want a string, got a number`},
		{"null string", opJSON(op("name", `null`)), `op 0 (link.add): name: want a string, got null`},
		{"after null", opJSON(op("after", `null`)), `op 0 (link.add): after: want an array, got null`},
		{"after string", opJSON(op("after", `["0"]`)), `op 0 (link.add): after: want an integer, got a string`},
		{"list null element", opJSON(`{"id":0,"kind":"caps.drop","owner":"guest.a","origin":"f:1:1","after":[],"guest":"a","drop":[null]}`),
			`op 0 (caps.drop): drop: want a string, got null`},
		{"list string", opJSON(`{"id":0,"kind":"caps.drop","owner":"guest.a","origin":"f:1:1","after":[],"guest":"a","drop":"SYS_ADMIN"}`),
			`op 0 (caps.drop): drop: want an array, got a string`},
		{"bool string", opJSON(`{"id":0,"kind":"projid.set","owner":"host","origin":"f:1:1","after":[],"path":"/a","projid":2,"recursive":"true"}`),
			`op 0 (projid.set): recursive: want a boolean, got a string`},
		{"uint negative", opJSON(`{"id":0,"kind":"projid.set","owner":"host","origin":"f:1:1","after":[],"path":"/a","projid":-2,"recursive":true}`),
			`op 0 (projid.set): projid: want a non-negative integer that fits uint32, got -2`},
		{"uint32 overflow", opJSON(`{"id":0,"kind":"projid.set","owner":"host","origin":"f:1:1","after":[],"path":"/a","projid":4294967296,"recursive":true}`),
			`op 0 (projid.set): projid: want a non-negative integer that fits uint32, got 4294967296`},
		{"unlimited elsewhere", opJSON(`{"id":0,"kind":"quota.set","owner":"host","origin":"f:1:1","after":[],"path":"/a","projid":2,"inodes":"unlimited"}`),
			`op 0 (quota.set): inodes: want a non-negative integer, got a string`},
		{"unlimited misspelt", opJSON(`{"id":0,"kind":"rlimit.set","owner":"guest.a","origin":"f:1:1","after":[],"guest":"a","resource":"core","soft":"infinity","hard":0}`),
			`op 0 (rlimit.set): soft: want a non-negative integer or "unlimited"`},
		{"second op", opJSON(linkOp, op("id", `1.5`)), `op 1 (link.add): id: want an integer that fits int, got 1.5`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Decode([]byte(c.data))
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}

// FuzzDecode checks that Decode never panics and that any plan it
// returns encodes, decodes to the same plan, and can be verified and
// written as text without panicking.
func FuzzDecode(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "plan.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add([]byte(opJSON(linkOp)))
	f.Add([]byte(opJSON()))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"format_version":"1","host":"h","host":"h"}`))
	f.Add([]byte(opJSON(`{"id":0,"kind":"rlimit.set","owner":"guest.a","origin":"f:1:1","after":[],"guest":"a","resource":"core","soft":"unlimited","hard":18446744073709551616}`)))
	f.Add([]byte(opJSON(`{"id":1e400,"kind":"mount","owner":"\xff","origin":"\ud800","after":[-1],"source":"","target":"","type":"","options":["a,b"]}`)))
	f.Add([]byte(strings.Repeat(`[`, 20000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data)
		if err != nil {
			return
		}
		_ = Verify(p)
		_ = p.Text()
		enc, err := p.MarshalJSON()
		if err != nil {
			t.Fatalf("a decoded plan does not encode: %v", err)
		}
		if want := indentJSON(t, enc); !bytes.Equal(enc, want) {
			t.Fatalf("MarshalJSON does not indent as json.Indent:\n%s", cmp.Diff(string(want), string(enc)))
		}
		q, err := Decode(enc)
		if err != nil {
			t.Fatalf("a re-encoded plan does not decode: %v\n%s", err, enc)
		}
		if diff := cmp.Diff(p, q); diff != "" {
			t.Fatalf("decode → encode → decode changed the plan (-first +second):\n%s", diff)
		}
		_ = p.CheckDigest()
		sealedRoundTrips(t, p)
	})
}

// sealedRoundTrips seals p and checks that its digest still checks after
// its JSON form and, when p has one, its binary form.
func sealedRoundTrips(t *testing.T, p *Plan) {
	t.Helper()
	if err := p.Seal(); err != nil {
		return
	}
	enc, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	q, err := Decode(enc)
	if err != nil {
		t.Fatalf("a sealed plan does not decode: %v", err)
	}
	if err := q.CheckDigest(); err != nil {
		t.Fatalf("a sealed plan after its JSON form: %v\n%s", err, enc)
	}
	if bin, err := p.MarshalBinary(); err == nil {
		q, err := DecodeBinary(bin)
		if err != nil {
			t.Fatalf("a sealed plan does not decode from its binary form: %v", err)
		}
		if err := q.CheckDigest(); err != nil {
			t.Fatalf("a sealed plan after its binary form: %v", err)
		}
	}
}

func TestDecodeOpRoundTrip(t *testing.T) {
	p := goldenPlan()
	for _, op := range p.Ops {
		data, err := op.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeOp(data)
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		back.ID = op.ID
		if BodyText(back.Body) != BodyText(op.Body) || back.Owner != op.Owner || back.Origin != op.Origin {
			t.Errorf("op %d changed through JSON: %s", op.ID, BodyText(back.Body))
		}
	}
	if _, err := DecodeOp([]byte(`{"id":0}`)); err == nil {
		t.Error("DecodeOp accepted an op without kind")
	}
}

// observed_digest is optional: written only when set, read back when there.
func TestObservedDigestRoundTrip(t *testing.T) {
	p := goldenPlan()
	data, _ := p.MarshalJSON()
	if bytes.Contains(data, []byte("observed_digest")) {
		t.Error("a plan without observed digest writes the key")
	}
	p.ObservedDigest = Digest([]byte("live"))
	data, _ = p.MarshalJSON()
	back, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.ObservedDigest != p.ObservedDigest {
		t.Errorf("observed digest %q, want %q", back.ObservedDigest, p.ObservedDigest)
	}
	if !strings.Contains(back.Text(), " observed="+p.ObservedDigest) {
		t.Error("text header lacks the observed digest")
	}
}

// indentJSON returns data compacted, then indented by json.Indent with
// two spaces: what MarshalJSON wrote before it indented by itself.
func indentJSON(t testing.TB, data []byte) []byte {
	t.Helper()
	var compact, out bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, data)
	}
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestDecodeLookups checks that the decoder's lookups by bytes know
// every kind and field: they are made with the registry's index, and an
// empty one would only make Decode slower.
func TestDecodeLookups(t *testing.T) {
	for _, info := range Kinds() {
		if index().byName[string(info.Kind)] != lookup(info.Kind) {
			t.Errorf("%s: not in kindByName", info.Kind)
		}
		for _, f := range lookup(info.Kind).fields {
			if index().keys[f.name] != f.name {
				t.Errorf("%s: %s: not in knownKeys", info.Kind, f.name)
			}
		}
	}
	for _, k := range append([]string{"format_version", "ops"}, opHeaderKeys...) {
		if index().keys[k] != k {
			t.Errorf("%s: not in knownKeys", k)
		}
	}
}

// The fast paths of Decode (plain integers, after lists, known keys)
// give what the careful ones give.
func TestDecodeFastPaths(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want []int
		ok   bool
	}{
		{`[]`, nil, true},
		{`[ ]`, nil, true},
		{`[0]`, []int{0}, true},
		{`[1, 22 ,333]`, []int{1, 22, 333}, true},
		{`[-5]`, []int{-5}, true},
		{`[123456789012345678]`, []int{123456789012345678}, true},
		{`[1234567890123456789]`, nil, false}, // strconv's, with its range check
		{`[1.0]`, nil, false},
		{`[1e3]`, nil, false},
		{`["1"]`, nil, false},
		{`[1]x`, nil, false},
	} {
		got, ok := scanInts([]byte(c.raw), true)
		if ok != c.ok || !cmp.Equal(got, c.want) {
			t.Errorf("scanInts(%s) = %v, %v; want %v, %v", c.raw, got, ok, c.want, c.ok)
		}
	}
	for _, raw := range []string{"0", "-0", "7", "-7", "999999999999999999", "-999999999999999999", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "4294967296", "-1"} {
		for _, typ := range []reflect.Type{intType, reflect.TypeFor[int64](), reflect.TypeFor[uint32](), reflect.TypeFor[uint64](), reflect.TypeFor[int32]()} {
			want, wantErr := strconv.ParseInt(raw, 10, typ.Bits())
			got, err := parseInt([]byte(raw), typ)
			if (err == nil) != (wantErr == nil) || err == nil && got != want {
				t.Errorf("parseInt(%s, %s) = %d, %v; want %d, %v", raw, typ, got, err, want, wantErr)
			}
			uwant, wantErr := strconv.ParseUint(raw, 10, typ.Bits())
			ugot, err := parseUint([]byte(raw), typ)
			if (err == nil) != (wantErr == nil) || err == nil && ugot != uwant {
				t.Errorf("parseUint(%s, %s) = %d, %v; want %d, %v", raw, typ, ugot, err, uwant, wantErr)
			}
		}
	}
}
