package ir

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// binaryRoundTrip encodes p, decodes it and fails unless the result is
// deep-equal to p, nil and empty lists apart. It returns the encoding.
func binaryRoundTrip(t testing.TB, p *Plan) []byte {
	t.Helper()
	data, err := p.MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	got, err := DecodeBinary(data)
	if err != nil {
		t.Fatalf("DecodeBinary: %v", err)
	}
	if !reflect.DeepEqual(p, got) {
		t.Fatalf("binary round trip (-want +got):\n%s", cmp.Diff(p, got))
	}
	var records []byte
	for _, op := range p.Ops {
		if records, err = op.AppendBinary(records); err != nil {
			t.Fatalf("%s: AppendBinary: %v", opName(op.ID, op), err)
		}
	}
	for _, op := range p.Ops {
		var back *Op
		back, records, err = NextOpBinary(records)
		if err != nil {
			t.Fatalf("%s: NextOpBinary: %v", opName(op.ID, op), err)
		}
		if !reflect.DeepEqual(op, back) {
			t.Fatalf("op record round trip (-want +got):\n%s", cmp.Diff(op, back))
		}
	}
	if _, _, err := NextOpBinary(records); err != io.EOF {
		t.Fatalf("after the last record: %v, want io.EOF", err)
	}
	return data
}

// fieldValue returns a value of f's type that is not zero and that
// stresses the encoding: long, signed, at the end of its range.
func fieldValue(f field, t reflect.Type) reflect.Value {
	v := reflect.New(t).Elem()
	switch f.typ {
	case typeString:
		v.SetString(f.name + " é\x00\xff" + strings.Repeat("x", 200))
	case typeBool:
		v.SetBool(true)
	case typeInt:
		v.SetInt(-1 << (t.Bits() - 1))
	case typeUint:
		v.SetUint(1<<t.Bits() - 1)
	case typeStrings:
		v.Set(reflect.ValueOf([]string{"a,b", "", f.name}))
	}
	return v
}

// TestBinaryRoundTrip encodes every kind with no field set, with each
// field alone, with every field set, and its valid case, with nil, empty
// and long after lists.
func TestBinaryRoundTrip(t *testing.T) {
	p := &Plan{FormatVersion: FormatVersion, Host: "h1", Source: "x.vsc.hcl", SourceDigest: Digest(nil), ObservedDigest: Digest([]byte("o")), PlanDigest: Digest([]byte("p"))}
	add := func(owner string, b Body, after []int) {
		p.Ops = append(p.Ops, &Op{ID: len(p.Ops), Owner: owner, Origin: "x.vsc.hcl:" + strconv.Itoa(len(p.Ops)+1) + ":1", After: after, Body: b})
	}
	for _, c := range kindCases {
		e := lookup(c.body.Kind())
		all := e.New()
		av := reflect.ValueOf(all).Elem()
		add(c.owner, e.New(), nil)
		for _, f := range e.fields {
			one := e.New()
			val := fieldValue(f, e.typ.Field(f.index).Type)
			reflect.ValueOf(one).Elem().Field(f.index).Set(val)
			av.Field(f.index).Set(val)
			add(c.owner, one, []int{})
			if f.typ == typeStrings {
				empty := e.New()
				reflect.ValueOf(empty).Elem().Field(f.index).Set(reflect.ValueOf([]string{}))
				add(c.owner, empty, []int{0})
			}
		}
		add("", all, []int{0, 1, len(p.Ops) - 1})
		add(c.owner, cloneBody(c.body), []int{len(p.Ops) - 2})
	}
	var all []int
	for i := range len(p.Ops) {
		all = append(all, i)
	}
	add(OwnerHost, &LinkAdd{}, all)
	binaryRoundTrip(t, p)
	// The same plan, with its odd strings and lists, checks that
	// MarshalJSON indents as json.Indent does.
	for _, q := range []*Plan{p, {FormatVersion: FormatVersion}} {
		js, err := q.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if want := indentJSON(t, js); !bytes.Equal(js, want) {
			t.Errorf("MarshalJSON does not indent as json.Indent:\n%s", cmp.Diff(string(want), string(js)))
		}
	}

	golden := goldenPlan()
	if err := Verify(golden); err != nil {
		t.Fatal(err)
	}
	back, err := DecodeBinary(binaryRoundTrip(t, golden))
	if err != nil || Verify(back) != nil {
		t.Fatalf("the decoded golden plan does not verify: %v %v", err, Verify(back))
	}

	binaryRoundTrip(t, &Plan{FormatVersion: FormatVersion})
	binaryRoundTrip(t, &Plan{FormatVersion: FormatVersion, Ops: []*Op{}})
}

// TestBinaryPlans checks the plans of the golden files, and of the
// compiler's golden files of the shipped examples: they survive the
// binary form deep-equal, and their JSON after it is the same, byte for
// byte.
func TestBinaryPlans(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	plans := map[string]*Plan{"testdata/plan.json": p}
	texts, _ := filepath.Glob("../compiler/testdata/plan/*.txt")
	if len(texts) == 0 {
		t.Error("no compiler golden files")
	}
	for _, name := range texts {
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		plans[name] = parseText(t, string(text))
	}
	for name, p := range plans {
		t.Run(filepath.Base(name), func(t *testing.T) {
			if err := Verify(p); err != nil {
				t.Fatalf("the plan does not verify: %v", err)
			}
			// Made by the compiler (or goldenPlan), sealed: the digest in
			// the text's header is that of the text without it.
			if err := p.CheckDigest(); err != nil {
				t.Errorf("the plan's digest: %v", err)
			}
			want, err := p.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			back, err := DecodeBinary(binaryRoundTrip(t, p))
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(back); err != nil {
				t.Errorf("the decoded plan does not verify: %v", err)
			}
			got, err := back.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("JSON after the binary form differs (-want +got):\n%s", cmp.Diff(string(want), string(got)))
			}
		})
	}
}

// parseText reads a plan's text form, which ir does not read back, well
// enough for the compiler's golden files: it fails the test unless the
// plan's text is the input again.
func parseText(t *testing.T, text string) *Plan {
	t.Helper()
	p := &Plan{}
	owner := ""
	for n, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("line %d: %s: %s", n+1, fmt.Sprintf(format, args...), line)
		}
		switch {
		case strings.HasPrefix(line, "# vsc plan v"):
			rest := line[len("# vsc plan v"):]
			p.FormatVersion, rest, _ = strings.Cut(rest, " ")
			for rest != "" {
				var key, value string
				key, value, rest = textPair(rest, fail)
				switch key {
				case "host":
					p.Host = value
				case "source":
					p.Source = value
				case "digest":
					p.SourceDigest = value
				case "observed":
					p.ObservedDigest = value
				case "plan":
					p.PlanDigest = value
				}
			}
			continue
		case line == "# host":
			owner = OwnerHost
			continue
		case strings.HasPrefix(line, "# guest "):
			owner = GuestOwner(textScalar(line[len("# guest "):], fail))
			continue
		}
		id, rest, _ := strings.Cut(line, " ")
		kind, rest, _ := strings.Cut(rest, " ")
		e := lookup(Kind(kind))
		if e == nil || id != strconv.Itoa(len(p.Ops)) {
			fail("unknown kind or wrong id")
		}
		op := &Op{ID: len(p.Ops), Owner: owner, Body: e.New()}
		v := reflect.ValueOf(op.Body).Elem()
		for !strings.HasPrefix(rest, "# ") {
			key, value, more := textPair(rest, fail)
			rest = more
			if key == "after" {
				for _, a := range strings.Split(value, ",") {
					n, err := strconv.Atoi(a)
					if err != nil {
						fail("after: %v", err)
					}
					op.After = append(op.After, n)
				}
				continue
			}
			i := slices.IndexFunc(e.fields, func(f field) bool { return f.name == key })
			if i < 0 {
				fail("unknown field %s", key)
			}
			f := e.fields[i]
			fv := v.Field(f.index)
			var err error
			switch f.typ {
			case typeString:
				fv.SetString(value)
			case typeBool:
				var b bool
				b, err = strconv.ParseBool(value)
				fv.SetBool(b)
			case typeInt:
				var n int64
				n, err = strconv.ParseInt(value, 10, 64)
				fv.SetInt(n)
			case typeUint:
				var n uint64 = math.MaxUint64
				if value != unlimitedWord {
					n, err = strconv.ParseUint(value, 10, 64)
				}
				fv.SetUint(n)
			case typeStrings:
				var l []string
				for rest := value; rest != "[]" && rest != ""; {
					var elem string
					elem, rest = textElement(rest, fail)
					l = append(l, elem)
					rest = strings.TrimPrefix(rest, ",")
				}
				fv.Set(reflect.ValueOf(l))
			}
			if err != nil {
				fail("%s: %v", key, err)
			}
		}
		op.Origin = textScalar(rest[len("# "):], fail)
		p.Ops = append(p.Ops, op)
	}
	if got := p.Text(); got != text {
		t.Fatalf("parseText misread the plan (-want +got):\n%s", cmp.Diff(text, got))
	}
	return p
}

// textPair reads KEY=VALUE and the space after it; a list value is
// returned as written.
func textPair(s string, fail func(string, ...any)) (key, value, rest string) {
	key, s, ok := strings.Cut(s, "=")
	if !ok {
		fail("no =")
	}
	end := 0
	for end < len(s) && s[end] != ' ' {
		if s[end] == '"' {
			q, err := strconv.QuotedPrefix(s[end:])
			if err != nil {
				fail("%v", err)
			}
			end += len(q)
			continue
		}
		end++
	}
	value, rest = s[:end], strings.TrimPrefix(s[end:], " ")
	if strings.HasPrefix(value, `"`) && len(value) == len(mustQuoted(value, fail)) {
		value = textScalar(value, fail)
	}
	return key, value, rest
}

func mustQuoted(s string, fail func(string, ...any)) string {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		fail("%v", err)
	}
	return q
}

func textScalar(s string, fail func(string, ...any)) string {
	if !strings.HasPrefix(s, `"`) {
		return s
	}
	u, err := strconv.Unquote(s)
	if err != nil {
		fail("%v", err)
	}
	return u
}

// textElement reads the first element of a list.
func textElement(s string, fail func(string, ...any)) (elem, rest string) {
	if strings.HasPrefix(s, `"`) {
		q := mustQuoted(s, fail)
		return textScalar(q, fail), s[len(q):]
	}
	elem, rest, _ = strings.Cut(s, ",")
	if rest != "" || strings.HasSuffix(s, ",") {
		rest = "," + rest
	}
	return elem, rest
}

// TestMarshalBinaryRefuses checks that the encoder refuses what the
// decoder could not read back as it was.
func TestMarshalBinaryRefuses(t *testing.T) {
	link := func(id int, after ...int) *Op {
		return &Op{ID: id, Owner: OwnerHost, Origin: "f:1:1", After: after, Body: &LinkAdd{Name: "a"}}
	}
	for _, c := range []struct {
		name string
		ops  []*Op
		want string
	}{
		{"nil op", []*Op{nil}, "op 0: the op is missing (nil)"},
		{"nil body", []*Op{{}}, "op 0: the op has no body"},
		{"nil body pointer", []*Op{{Body: (*LinkAdd)(nil)}}, "op 0: the op has no body"},
		{"id", []*Op{link(1)}, "op 0 (link.add): id: 1 is not the op's position 0"},
		{"after self", []*Op{link(0, 0)}, "op 0 (link.add): after: op 0 is not earlier"},
		{"after later", []*Op{link(0), link(1, 2), link(2)}, "op 1 (link.add): after: op 2 is not earlier"},
		{"after missing", []*Op{link(0), link(1, 5)}, "op 1 (link.add): after: op 5 does not exist"},
		{"after negative", []*Op{link(0), link(1, -1)}, "op 1 (link.add): after: op -1 does not exist"},
		{"after twice", []*Op{link(0), link(1), link(2, 0, 0)}, "op 2 (link.add): after: op 0 is listed twice"},
		{"after unsorted", []*Op{link(0), link(1), link(2, 1, 0)}, "op 2 (link.add): after: not sorted: 0 after 1"},
	} {
		p := &Plan{FormatVersion: FormatVersion, Ops: c.ops}
		if _, err := p.MarshalBinary(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %s", c.name, err, c.want)
		}
	}
	for _, op := range []*Op{{}, link(-1), link(3, 3), link(3, 1, 1)} {
		if b, err := op.AppendBinary([]byte("x")); err == nil || string(b) != "x" {
			t.Errorf("AppendBinary of %+v: %q, %v", op, b, err)
		}
	}
}

// seal rewrites the length and checksum of a frame around data[9:len-4],
// so that a damaged payload reaches the decoder.
func seal(data []byte) []byte {
	if len(data) < frameHead+frameTail {
		return data
	}
	out := bytes.Clone(data)
	end := len(out) - frameTail
	out[len(planMagic)+1], out[len(planMagic)+2], out[len(planMagic)+3], out[len(planMagic)+4] = byte(end-frameHead), byte((end-frameHead)>>8), byte((end-frameHead)>>16), byte((end-frameHead)>>24)
	w := binWriter{b: out[:end], start: 0}
	sealed, _ := w.endFrame()
	return sealed
}

// payload makes a plan frame of a payload written by f.
func payload(f func(w *binWriter)) []byte {
	w := binWriter{}
	w.frame(planMagic)
	f(&w)
	b, _ := w.endFrame()
	return b
}

// planHead writes a plan's header with one kind of count ops, fields as
// in the registry.
func planHead(w *binWriter, kind Kind, count int) {
	for _, s := range []string{FormatVersion, "h", "s", Digest(nil), "", ""} {
		w.str(s)
	}
	w.uvarint(1)
	w.str(string(kind))
	w.uvarint(uint64(count))
	w.schema(lookup(kind))
	w.uvarint(uint64(count) + 1)
}

func TestDecodeBinaryRejects(t *testing.T) {
	good, err := goldenPlan().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	link := func(w *binWriter, after ...int) {
		w.uvarint(0)
		w.str(OwnerHost)
		w.str("f:1:1")
		w.list(after == nil, len(after))
		for _, a := range after {
			w.uvarint(uint64(a))
		}
		w.str("eth0.7")
		w.str("vlan")
		w.str("eth0")
		w.b = binary.AppendVarint(w.b, 7)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "binary plan: unexpected EOF"},
		{"JSON", []byte(`{"format_version":"1"}`), `binary plan: not vsc's binary form (magic "{\"fo", want "vscP")`},
		{"op record", mustAppend(t, goldenPlan().Ops[0]), `binary plan: not vsc's binary form (magic "vscO", want "vscP")`},
		{"version", append([]byte("vscP\x03"), good[5:]...), "binary plan: binary format version 3 is not one this vsc reads ([1 2])"},
		{"checksum", append(bytes.Clone(good[:len(good)-1]), good[len(good)-1]^1), "binary plan: checksum mismatch"},
		{"trailing", append(bytes.Clone(good), 0), "binary plan: data after the plan"},
		{"plan version", payload(func(w *binWriter) { w.str("2") }), `plan: format_version: version "2" is not "1"`},
		{"unknown kind", payload(func(w *binWriter) {
			planHead(w, KindLinkAdd, 1)
			w.b = bytes.Replace(w.b, []byte("link.add"), []byte("link.set"), 1)
		}), `plan: kind: unknown kind "link.set"`},
		{"unknown field", payload(func(w *binWriter) {
			planHead(w, KindLinkAdd, 1)
			w.b = bytes.Replace(w.b, []byte("vlan_id"), []byte("vlan_io"), 1)
		}), `plan: kind link.add: vlan_io: unknown field`},
		{"field type", payload(func(w *binWriter) {
			planHead(w, KindLinkAdd, 1)
			w.b = bytes.Replace(w.b, []byte("vlan_idi"), []byte("vlan_ids"), 1)
		}), `plan: kind link.add: vlan_id: type 's', want 'i'`},
		{"missing field", payload(func(w *binWriter) {
			kindHead(w, KindLinkAdd, "name", "type", "link")
		}), `plan: kind link.add: vlan_id: missing`},
		{"field twice", payload(func(w *binWriter) {
			kindHead(w, KindLinkAdd, "name", "type", "link", "vlan_id", "name")
		}), `plan: kind link.add: name: field listed twice`},
		{"kind twice", payload(func(w *binWriter) {
			for _, s := range []string{FormatVersion, "h", "s", Digest(nil), "", ""} {
				w.str(s)
			}
			w.uvarint(2)
			for range 2 {
				w.str(string(KindLinkAdd))
				w.uvarint(1)
				w.schema(lookup(KindLinkAdd))
			}
		}), `plan: kind link.add: listed twice`},
		{"kind count", payload(func(w *binWriter) {
			planHead(w, KindLinkAdd, 1<<20)
		}), `plan: kind link.add: 1048576 ops, more than the`},
		{"ops count", payload(func(w *binWriter) {
			planHead(w, KindLinkAdd, 1)
			w.b[len(w.b)-1] = 3
			link(w)
		}), `plan: ops: 2, but the kinds have 1`},
		{"kind index", payload(func(w *binWriter) {
			planHead(w, KindLinkAdd, 1)
			w.uvarint(1)
		}), `op 0: kind: 1 is not in the plan's 1 kinds`},
		{"after not earlier", payload(func(w *binWriter) {
			planHead(w, KindLinkAdd, 2)
			link(w)
			link(w, 1)
		}), `op 1 (link.add): after: op 1 is not earlier: an op may only depend on earlier ops`},
		{"after count", payload(func(w *binWriter) {
			planHead(w, KindLinkAdd, 1)
			w.uvarint(0)
			w.str(OwnerHost)
			w.str("f:1:1")
			w.uvarint(1 << 40)
		}), `op 0 (link.add): after: count 1099511627775 is more than the`},
		{"string again", payload(func(w *binWriter) {
			planHead(w, KindLinkAdd, 1)
			w.uvarint(0)
			w.uvarint(99<<1 | 1)
		}), `op 0 (link.add): owner: string 99 again, of 9 so far`},
		{"string cut", payload(func(w *binWriter) {
			planHead(w, KindLinkAdd, 1)
			w.uvarint(0)
			w.uvarint(99 << 1)
		}), `op 0 (link.add): owner: unexpected EOF`},
		{"int too big", payload(func(w *binWriter) {
			planHead(w, KindProjidSet, 1)
			w.uvarint(0)
			w.str("guest.a")
			w.str("f:1:1")
			w.list(true, 0)
			w.str("/a")
			w.uvarint(1 << 32)
		}), `op 0 (projid.set): projid: 4294967296 does not fit uint32`},
		{"bool", payload(func(w *binWriter) {
			planHead(w, KindProjidSet, 1)
			w.uvarint(0)
			w.str("guest.a")
			w.str("f:1:1")
			w.list(true, 0)
			w.str("/a")
			w.uvarint(1)
			w.uvarint(2)
		}), `op 0 (projid.set): recursive: 2 is not a boolean (0 or 1)`},
		{"varint overflow", payload(func(w *binWriter) {
			planHead(w, KindLinkAdd, 1)
			w.b = append(w.b, bytes.Repeat([]byte{0xff}, 11)...)
		}), `op 0: kind: integer overflows 64 bits`},
		{"payload trailing", payload(func(w *binWriter) {
			planHead(w, KindLinkAdd, 1)
			link(w)
			w.uvarint(0)
		}), `plan: data after the ops`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := DecodeBinary(c.data)
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}

// kindHead writes a plan's header with one op of kind, whose fields are
// said to be names.
func kindHead(w *binWriter, kind Kind, names ...string) {
	for _, s := range []string{FormatVersion, "h", "s", Digest(nil), "", ""} {
		w.str(s)
	}
	w.uvarint(1)
	w.str(string(kind))
	w.uvarint(1)
	w.uvarint(uint64(len(names)))
	for _, n := range names {
		w.str(n)
		for _, f := range lookup(kind).fields {
			if f.name == n {
				w.b = append(w.b, binaryType[f.typ])
			}
		}
	}
}

func mustAppend(t *testing.T, op *Op) []byte {
	t.Helper()
	b, err := op.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBinaryDamage cuts and damages small encodings everywhere: every
// cut is io.ErrUnexpectedEOF, every changed byte an error, and a changed
// payload under a good checksum never a panic.
func TestBinaryDamage(t *testing.T) {
	plan, err := goldenPlan().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var ops []byte
	for _, op := range goldenPlan().Ops[:3] {
		ops = append(ops, mustAppend(t, op)...)
	}
	op := mustAppend(t, goldenPlan().Ops[12])
	decoders := []struct {
		name   string
		data   []byte
		decode func([]byte) error
	}{
		{"plan", plan, func(b []byte) error { _, err := DecodeBinary(b); return err }},
		{"op", op, func(b []byte) error { _, err := DecodeOpBinary(b); return err }},
	}
	for _, d := range decoders {
		for i := range len(d.data) {
			if err := d.decode(d.data[:i]); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s cut at %d of %d: %v, want unexpected EOF", d.name, i, len(d.data), err)
			}
			for _, x := range []byte{1, 0x80, 0xff} {
				bad := bytes.Clone(d.data)
				bad[i] ^= x
				if err := d.decode(bad); err == nil {
					t.Errorf("%s with byte %d ^ %#x: accepted", d.name, i, x)
				}
				if i >= frameHead && i < len(d.data)-frameTail {
					_ = d.decode(seal(bad)) // no panic
				}
			}
		}
	}
	// A journal cut in its last record: the records before it read, the
	// cut one is unexpected EOF.
	journal := append(bytes.Clone(ops), op...)
	for cut := len(ops) + 1; cut < len(journal); cut++ {
		rest := journal[:cut]
		var err error
		for err == nil {
			_, rest, err = NextOpBinary(rest)
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("journal cut at %d: %v", cut, err)
		}
	}
}

// FuzzDecodeBinary checks that DecodeBinary and NextOpBinary never
// panic, also on damaged payloads under a good checksum, and that what
// they accept encodes, decodes deep-equal, and verifies without panic.
func FuzzDecodeBinary(f *testing.F) {
	for _, p := range []*Plan{goldenPlan(), {FormatVersion: FormatVersion}, benchPlan(20, 3, 4)} {
		data, err := p.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, op := range p.Ops {
			b, err := op.AppendBinary(nil)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("vscP\x01\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, data := range [][]byte{data, seal(data)} {
			if p, err := DecodeBinary(data); err == nil {
				_ = Verify(p)
				_ = p.Text()
				enc, err := p.MarshalBinary()
				if err != nil {
					t.Fatalf("a decoded plan does not encode: %v", err)
				}
				q, err := DecodeBinary(enc)
				if err != nil {
					t.Fatalf("a re-encoded plan does not decode: %v", err)
				}
				if !reflect.DeepEqual(p, q) {
					t.Fatalf("decode → encode → decode changed the plan (-first +second):\n%s", cmp.Diff(p, q))
				}
				_ = p.CheckDigest()
				// JSON carries only valid UTF-8 without NUL, which
				// Verify asks for.
				if Verify(p) == nil {
					sealedRoundTrips(t, p)
				}
			}
			if op, err := DecodeOpBinary(bytes.Replace(data, []byte(planMagic), []byte(opMagic), 1)); err == nil {
				enc, err := op.AppendBinary(nil)
				if err != nil {
					t.Fatalf("a decoded op does not encode: %v", err)
				}
				back, err := DecodeOpBinary(enc)
				if err != nil || !reflect.DeepEqual(op, back) {
					t.Fatalf("decode → encode → decode changed the op: %v\n%s", err, cmp.Diff(op, back))
				}
			}
		}
	})
}

// benchPlan is a plan like the compiler makes of routes in tables and
// rules: each route after the one before it in its table, each rule after
// the last route of its table.
func benchPlan(tables, routes, rules int) *Plan {
	p := &Plan{FormatVersion: FormatVersion, Host: "test", Source: "bench", SourceDigest: Digest(nil)}
	last := make([][]int, tables)
	for t := range tables {
		for r := range routes {
			op := p.Add(OwnerHost, "bench.vsc.hcl:1:1", &RouteAdd{Table: 100 + t, To: fmt.Sprintf("172.%d.%d.%d/30", 16+t, r/64, (r%64)*4), Dev: "eth0"}, last[t]...)
			last[t] = []int{op.ID}
		}
	}
	for i := range rules {
		p.Add(OwnerHost, "bench.vsc.hcl:1:1", &RuleAdd{From: fmt.Sprintf("10.%d.%d.0/24", 1+i/250, i%250), Table: 100 + i%tables, Priority: 2000 + i}, last[i%tables]...)
	}
	return p
}

// The plan of make bench's routes case: 5,000 routes in ten tables and
// 500 rules, with their afters.
func routesRulesPlan(b *testing.B) *Plan {
	p := benchPlan(10, 500, 500)
	if err := Verify(p); err != nil {
		b.Fatal(err)
	}
	return p
}

func BenchmarkEncodeBinary(b *testing.B) { benchEncode(b, (*Plan).MarshalBinary) }
func BenchmarkDecodeBinary(b *testing.B) { benchDecode(b, (*Plan).MarshalBinary, DecodeBinary) }
func BenchmarkMarshalJSON(b *testing.B)  { benchEncode(b, (*Plan).MarshalJSON) }
func BenchmarkDecodeJSON(b *testing.B)   { benchDecode(b, (*Plan).MarshalJSON, Decode) }

// benchEncode measures an encoding of the routes and rules plan.
func benchEncode(b *testing.B, encode func(*Plan) ([]byte, error)) {
	p := routesRulesPlan(b)
	data, _ := encode(p)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encode(p); err != nil {
			b.Fatal(err)
		}
	}
}

// benchDecode measures reading back the routes and rules plan encoded.
func benchDecode(b *testing.B, encode func(*Plan) ([]byte, error), decode func([]byte) (*Plan, error)) {
	data, err := encode(routesRulesPlan(b))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
