package ir

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The fast scanner cuts objects exactly as encoding/json's tokens do, and
// leaves to them whatever it does not expect.
func TestScanMatchesCareful(t *testing.T) {
	p := goldenPlan()
	data, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	inputs := [][]byte{data,
		[]byte(`{"a":"x\"y","b":[1,{"c":"]"}],"d":null,"e":"\u00e9"}`),
		[]byte(` { "k" : "v" , "n" : -12 } `),
		[]byte(`{}`),
	}
	for _, op := range p.Ops {
		raw, _ := op.MarshalJSON()
		inputs = append(inputs, raw)
	}
	for _, in := range inputs {
		fast, ok := scanObject(in, false)
		if !ok {
			t.Errorf("scanObject refused valid %s", in)
			continue
		}
		careful, err := parseObjectCarefully(in)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(careful.keys, fast.keys); diff != "" {
			t.Errorf("keys of %s (-careful +fast):\n%s", in, diff)
		}
		for k, v := range careful.vals {
			if string(fast.vals[k]) != string(v) {
				t.Errorf("%s: value of %q: fast %s, careful %s", in, k, fast.vals[k], v)
			}
		}
	}
	for _, bad := range []string{`{"a":1,"a":2}`, `{"a":1} x`, `[1]`, `{"a":}`, ``, `{"a\u0062":1}`} {
		if _, ok := scanObject([]byte(bad), false); ok {
			t.Errorf("scanObject accepted %q: the careful path must judge it", bad)
		}
	}
}
