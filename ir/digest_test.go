package ir

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// sealedPlans are sealed plans with every kind and field: the golden
// plan, and the same reviewed against live objects.
func sealedPlans(t *testing.T) map[string]*Plan {
	t.Helper()
	observed := goldenPlan()
	observed.ObservedDigest = Digest([]byte("live"))
	if err := observed.Seal(); err != nil {
		t.Fatal(err)
	}
	return map[string]*Plan{"golden": goldenPlan(), "observed": observed}
}

// The digest is that of the text form without it, and a plan carries it
// unchanged through JSON, binary and back: each decoded plan checks.
func TestDigestStable(t *testing.T) {
	for name, p := range sealedPlans(t) {
		t.Run(name, func(t *testing.T) {
			if err := p.CheckDigest(); err != nil {
				t.Fatalf("a sealed plan: %v", err)
			}
			text := p.Text()
			header, rest, _ := strings.Cut(text, "\n")
			bare, ok := strings.CutSuffix(header, " plan="+p.PlanDigest)
			if !ok {
				t.Fatalf("the text header does not end with the plan digest: %s", header)
			}
			sum := sha256.Sum256([]byte(bare + "\n" + rest))
			if got := "sha256:" + hex.EncodeToString(sum[:]); got != p.PlanDigest {
				t.Errorf("digest %s, but the text without it digests to %s", p.PlanDigest, got)
			}

			js, err := p.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			fromJSON, err := Decode(js)
			if err != nil {
				t.Fatal(err)
			}
			bin, err := fromJSON.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			fromBinary, err := DecodeBinary(bin)
			if err != nil {
				t.Fatal(err)
			}
			js2, err := fromBinary.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			again, err := Decode(js2)
			if err != nil {
				t.Fatal(err)
			}
			for form, q := range map[string]*Plan{"JSON": fromJSON, "JSON → binary": fromBinary, "JSON → binary → JSON": again} {
				if q.PlanDigest != p.PlanDigest {
					t.Errorf("%s: plan digest %q, want %q", form, q.PlanDigest, p.PlanDigest)
				}
				if err := q.CheckDigest(); err != nil {
					t.Errorf("%s: %v", form, err)
				}
				if q.Text() != text {
					t.Errorf("%s: the text form changed", form)
				}
			}
			if !bytes.Equal(js, js2) {
				t.Error("JSON after the binary form differs")
			}
		})
	}
}

// Any one change of a sealed plan, to its header or to any field of any
// op, is told.
func TestDigestDetectsEveryEdit(t *testing.T) {
	edits := 0
	check := func(what string, edit func(p *Plan)) {
		t.Helper()
		p := goldenPlan()
		edit(p)
		edits++
		if err := p.CheckDigest(); !errors.Is(err, ErrChanged) {
			t.Errorf("%s: CheckDigest says %v, want %v", what, err, ErrChanged)
		}
	}
	check("format_version", func(p *Plan) { p.FormatVersion = "2" })
	check("host", func(p *Plan) { p.Host += "x" })
	check("source", func(p *Plan) { p.Source += "x" })
	check("source_digest", func(p *Plan) { p.SourceDigest = Digest([]byte("other")) })
	check("observed_digest", func(p *Plan) { p.ObservedDigest = Digest([]byte("live")) })
	check("an op removed", func(p *Plan) { p.Ops = p.Ops[:len(p.Ops)-1] })
	check("two ops swapped", func(p *Plan) { p.Ops[1], p.Ops[2] = p.Ops[2], p.Ops[1] })
	for i := range goldenPlan().Ops {
		op := func(p *Plan) *Op { return p.Ops[i] }
		name := opName(i, goldenPlan().Ops[i])
		check(name+": id", func(p *Plan) { op(p).ID++ })
		check(name+": owner", func(p *Plan) { op(p).Owner += "x" })
		check(name+": origin", func(p *Plan) { op(p).Origin += "0" })
		check(name+": after, one more", func(p *Plan) { op(p).After = append(op(p).After, i) })
		if len(goldenPlan().Ops[i].After) > 0 {
			check(name+": after, one less", func(p *Plan) { op(p).After = op(p).After[1:] })
		}
		e := lookup(goldenPlan().Ops[i].Body.Kind())
		for _, f := range e.fields {
			check(name+": "+f.name, func(p *Plan) {
				v := reflect.ValueOf(op(p).Body).Elem().Field(f.index)
				switch f.typ {
				case typeString:
					v.SetString(v.String() + "x")
				case typeBool:
					v.SetBool(!v.Bool())
				case typeInt:
					v.SetInt(v.Int() + 1)
				case typeUint:
					if v.Uint() == math.MaxUint64 {
						v.SetUint(0)
					} else {
						v.SetUint(v.Uint() + 1)
					}
				case typeStrings:
					v.Set(reflect.Append(v, reflect.ValueOf("x")))
				}
			})
		}
	}
	if edits < 100 {
		t.Errorf("only %d edits tried", edits)
	}
}

// A plan file edited by hand is told when it is loaded; one without the
// key has nothing to check.
func TestDigestOfEditedFile(t *testing.T) {
	p := goldenPlan()
	js, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(js, []byte(`"10.7.0.2/16"`), []byte(`"10.7.0.99/16"`), 1)
	if bytes.Equal(edited, js) {
		t.Fatal("the golden plan has no address 10.7.0.2/16 to edit")
	}
	q, err := Decode(edited)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(q); err != nil {
		t.Fatalf("the edit should still verify (only the digest tells it): %v", err)
	}
	err = q.CheckDigest()
	if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "the plan was changed after it was made") {
		t.Errorf("edited plan: %v", err)
	}

	var lines []string
	for _, l := range strings.Split(string(js), "\n") {
		if !strings.Contains(l, `"plan_digest"`) {
			lines = append(lines, l)
		}
	}
	bare, err := Decode([]byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if err := bare.CheckDigest(); !errors.Is(err, ErrNoDigest) {
		t.Errorf("plan without plan_digest: %v, want %v", err, ErrNoDigest)
	}
	if err := Verify(bare); err != nil {
		t.Errorf("a plan without plan digest (an executor's record) must still verify: %v", err)
	}
}

// An executor's record of an older vsc is a binary plan of version 1,
// without plan digest: it is still read.
func TestBinaryVersion1(t *testing.T) {
	p := goldenPlan()
	p.PlanDigest = ""
	data, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// The header's strings; the plan digest is the empty one after the
	// observed digest.
	w := binWriter{}
	for _, s := range []string{p.FormatVersion, p.Host, p.Source, p.SourceDigest, p.ObservedDigest} {
		w.str(s)
	}
	at := frameHead + len(w.b)
	if data[at] != 0 {
		t.Fatalf("byte %d is %d, not the empty plan digest", at, data[at])
	}
	v1 := append(bytes.Clone(data[:at]), data[at+1:]...)
	v1[len(planMagic)] = 1
	got, err := DecodeBinary(seal(v1))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Error("a plan of version 1 does not decode as it was")
	}
}

// Verify rejects a plan digest that is not one.
func TestVerifyPlanDigest(t *testing.T) {
	p := goldenPlan()
	p.PlanDigest = "sha256:nothex"
	if err := Verify(p); err == nil || !strings.Contains(err.Error(), "plan: plan_digest:") {
		t.Errorf("Verify: %v", err)
	}
}
