package stdlib

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

func str(s string) cty.Value { return cty.StringVal(s) }
func num(n int64) cty.Value  { return cty.NumberIntVal(n) }

func strList(ss ...string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = str(s)
	}
	return cty.ListVal(vals)
}

func TestCidrGood(t *testing.T) {
	for _, tc := range []struct {
		fn   string
		args []cty.Value
		want cty.Value
	}{
		{"cidrhost", []cty.Value{str("10.0.0.0/24"), num(0)}, str("10.0.0.0")},
		{"cidrhost", []cty.Value{str("10.0.0.0/24"), num(255)}, str("10.0.0.255")},
		{"cidrhost", []cty.Value{str("10.0.0.0/24"), num(-1)}, str("10.0.0.255")},
		{"cidrhost", []cty.Value{str("10.0.0.0/24"), num(-256)}, str("10.0.0.0")},
		{"cidrhost", []cty.Value{str("10.0.0.77/24"), num(2)}, str("10.0.0.2")}, // masked first, as Terraform
		{"cidrhost", []cty.Value{str("10.0.0.0/30"), cty.NumberFloatVal(3.0)}, str("10.0.0.3")},
		{"cidrhost", []cty.Value{str("0.0.0.0/0"), num(-1)}, str("255.255.255.255")},
		{"cidrhost", []cty.Value{str("10.0.0.1/32"), num(0)}, str("10.0.0.1")},
		{"cidrhost", []cty.Value{str("fd00::/64"), num(16)}, str("fd00::10")},
		{"cidrhost", []cty.Value{str("fd00::/64"), num(-1)}, str("fd00::ffff:ffff:ffff:ffff")},
		{"cidrhost", []cty.Value{str("::/0"), num(-1)}, str("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")},

		{"cidrsubnet", []cty.Value{str("10.0.0.0/16"), num(8), num(7)}, str("10.0.7.0/24")},
		{"cidrsubnet", []cty.Value{str("10.0.0.0/16"), num(0), num(0)}, str("10.0.0.0/16")},
		{"cidrsubnet", []cty.Value{str("10.0.0.0/8"), num(24), num(1<<24 - 1)}, str("10.255.255.255/32")},
		{"cidrsubnet", []cty.Value{str("172.16.0.0/12"), num(4), num(2)}, str("172.18.0.0/16")},
		{"cidrsubnet", []cty.Value{str("fd00::/48"), num(16), num(0x107)}, str("fd00:0:0:107::/64")},
		{"cidrsubnet", []cty.Value{str("::/0"), num(128), num(1)}, str("::1/128")},

		// Terraform's documented examples.
		{"cidrsubnets", []cty.Value{str("10.1.0.0/16"), num(4), num(4), num(8), num(4)},
			strList("10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20")},
		{"cidrsubnets", []cty.Value{str("fd00:fd12:3456:7890::/56"), num(16), num(16), num(16), num(32)},
			strList("fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72", "fd00:fd12:3456:7800:300::/88")},
		{"cidrsubnets", []cty.Value{str("10.0.0.0/24"), num(4), num(2)}, strList("10.0.0.0/28", "10.0.0.64/26")},
		{"cidrsubnets", []cty.Value{str("10.0.0.0/30"), num(1), num(1)}, strList("10.0.0.0/31", "10.0.0.2/31")},
		{"cidrsubnets", []cty.Value{str("10.0.0.0/24")}, strList()},

		{"cidrnetmask", []cty.Value{str("10.0.0.0/8")}, str("255.0.0.0")},
		{"cidrnetmask", []cty.Value{str("10.0.0.0/27")}, str("255.255.255.224")},
		{"cidrnetmask", []cty.Value{str("0.0.0.0/0")}, str("0.0.0.0")},
		{"cidrnetmask", []cty.Value{str("10.0.0.1/32")}, str("255.255.255.255")},

		{"cidrprefix", []cty.Value{str("10.7.0.2/16")}, str("10.7.0.0/16")},
		{"cidrprefix", []cty.Value{str("192.168.1.130/25")}, str("192.168.1.128/25")},
		{"cidrprefix", []cty.Value{str("fd00:7::2/64")}, str("fd00:7::/64")},

		{"cidrcontains", []cty.Value{str("10.0.0.0/8"), str("10.255.0.1")}, cty.True},
		{"cidrcontains", []cty.Value{str("10.0.0.0/8"), str("11.0.0.1")}, cty.False},
		{"cidrcontains", []cty.Value{str("10.0.0.0/8"), str("10.7.0.0/16")}, cty.True},
		{"cidrcontains", []cty.Value{str("10.7.0.0/16"), str("10.0.0.0/8")}, cty.False},
		{"cidrcontains", []cty.Value{str("10.7.0.0/16"), str("10.7.0.0/16")}, cty.True},
		{"cidrcontains", []cty.Value{str("10.7.0.1/16"), str("10.7.200.3/24")}, cty.True},
		{"cidrcontains", []cty.Value{str("fd00::/8"), str("fd12::1")}, cty.True},
		{"cidrcontains", []cty.Value{str("10.0.0.0/8"), str("fd12::1")}, cty.False},
		{"cidrcontains", []cty.Value{str("::/0"), str("10.0.0.1")}, cty.False},
	} {
		got, err := Functions()[tc.fn].Call(tc.args)
		if err != nil {
			t.Errorf("%s%v: %v", tc.fn, tc.args, err)
			continue
		}
		if !got.RawEquals(tc.want) {
			t.Errorf("%s%v = %#v, want %#v", tc.fn, tc.args, got, tc.want)
		}
	}
}

func TestCidrBad(t *testing.T) {
	for _, tc := range []struct {
		fn     string
		args   []cty.Value
		argIdx int
		want   string // substring of the message: the bad value and why
	}{
		{"cidrhost", []cty.Value{str("10.0.0.0/30"), num(9)}, 1, "prefix 10.0.0.0/30 has 4 addresses; host number 9 is out of range"},
		{"cidrhost", []cty.Value{str("10.0.0.0/30"), num(4)}, 1, "host number 4 is out of range"},
		{"cidrhost", []cty.Value{str("10.0.0.0/30"), num(-5)}, 1, "host number -5 is out of range"},
		{"cidrhost", []cty.Value{str("fd00::/64"), cty.NumberFloatVal(1e30)}, 1, "has 2^64 addresses; host number 1e+30 is out of range"},
		{"cidrhost", []cty.Value{str("fd00::/64"), cty.MustParseNumberVal("1e100000")}, 1, "1e+100000 is out of range"},
		{"cidrhost", []cty.Value{str("10.0.0.0/24"), cty.PositiveInfinity}, 1, "+Inf is out of range"},
		{"cidrhost", []cty.Value{str("10.0.0.0/24"), cty.NegativeInfinity}, 1, "-Inf is out of range"},
		{"cidrhost", []cty.Value{str("10.0.0.0/24"), cty.NumberFloatVal(1.5)}, 1, "must be a whole number, got 1.5"},
		{"cidrhost", []cty.Value{str("10.0.0.0"), num(1)}, 0, `"10.0.0.0" is an address without a prefix length; write it like "10.0.0.0/24"`},
		{"cidrhost", []cty.Value{str("fd00::"), num(1)}, 0, `write it like "fd00::/64"`},
		{"cidrhost", []cty.Value{str("10.0.7.0.2/24"), num(1)}, 0, `"10.0.7.0.2/24" is not a CIDR prefix`},
		{"cidrhost", []cty.Value{str("10.0.0.0/33"), num(1)}, 0, `"10.0.0.0/33" is not a CIDR prefix`},
		{"cidrhost", []cty.Value{str(""), num(1)}, 0, `"" is not a CIDR prefix`},

		{"cidrsubnet", []cty.Value{str("10.0.0.0/16"), num(17), num(0)}, 1, "adding 17 bits to 10.0.0.0/16 would make a prefix longer than the 32 bits of an IPv4 address"},
		{"cidrsubnet", []cty.Value{str("fd00::/64"), num(65), num(0)}, 1, "128 bits of an IPv6 address"},
		{"cidrsubnet", []cty.Value{str("10.0.0.0/16"), num(-1), num(0)}, 1, "must be at least 0, got -1"},
		{"cidrsubnet", []cty.Value{str("10.0.0.0/16"), cty.NumberFloatVal(2.5), num(0)}, 1, "must be a whole number, got 2.5"},
		{"cidrsubnet", []cty.Value{str("10.0.0.0/16"), cty.NumberFloatVal(1e300), num(0)}, 1, "adding 1e+300 bits"},
		{"cidrsubnet", []cty.Value{str("10.0.0.0/16"), num(8), num(256)}, 2, "prefix 10.0.0.0/16 has 256 subnets of length /24 (numbered from 0); subnet number 256 is out of range"},
		{"cidrsubnet", []cty.Value{str("10.0.0.0/16"), num(8), num(-1)}, 2, "subnet number -1 is out of range"},
		{"cidrsubnet", []cty.Value{str("10.0.0.0/16"), num(8), cty.NumberFloatVal(0.5)}, 2, "got 0.5"},
		{"cidrsubnet", []cty.Value{str("nope"), num(8), num(1)}, 0, `"nope" is not a CIDR prefix`},

		{"cidrsubnets", []cty.Value{str("10.0.0.0/30"), num(1), num(1), num(1)}, 3, "prefix 10.0.0.0/30 has no room left for a /31 (newbits 1) after 10.0.0.2/31"},
		{"cidrsubnets", []cty.Value{str("10.0.0.0/24"), num(0)}, 1, "must be at least 1, got 0"},
		{"cidrsubnets", []cty.Value{str("10.0.0.0/24"), num(4), num(9)}, 2, "adding 9 bits to 10.0.0.0/24"},
		{"cidrsubnets", []cty.Value{str("10.0.0.0/24"), cty.NumberFloatVal(0.5)}, 1, "got 0.5"},
		{"cidrsubnets", []cty.Value{str("10.0.0/24"), num(1)}, 0, `"10.0.0/24" is not a CIDR prefix`},

		{"cidrnetmask", []cty.Value{str("fd00::/64")}, 0, `"fd00::/64" is an IPv6 prefix`},
		{"cidrnetmask", []cty.Value{str("255.255.255.0")}, 0, `"255.255.255.0" is an address without a prefix length`},

		{"cidrprefix", []cty.Value{str("10.7.0.2")}, 0, `"10.7.0.2" is an address without a prefix length`},
		{"cidrprefix", []cty.Value{str("10.7.0.2/")}, 0, `"10.7.0.2/" is not a CIDR prefix`},

		{"cidrcontains", []cty.Value{str("10.0.0.0"), str("10.0.0.1")}, 0, `"10.0.0.0" is an address without a prefix length`},
		{"cidrcontains", []cty.Value{str("10.0.0.0/8"), str("10.0.0.300")}, 1, `"10.0.0.300" is neither an IP address nor a CIDR prefix`},
		{"cidrcontains", []cty.Value{str("fe80::/10"), str("fe80::1%eth0")}, 1, `"fe80::1%eth0" is neither`},
		{"cidrcontains", []cty.Value{str("10.0.0.0/8"), str("10.0.0.0/40")}, 1, `"10.0.0.0/40" is not a CIDR prefix`},
	} {
		_, err := Functions()[tc.fn].Call(tc.args)
		if err == nil {
			t.Errorf("%s%v: no error, want %q", tc.fn, tc.args, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s%v: error %q does not contain %q", tc.fn, tc.args, err, tc.want)
		}
		// The index is how HCL names the parameter in its diagnostic
		// ("Invalid value for "hostnum" parameter: …").
		var argErr function.ArgError
		if !errors.As(err, &argErr) || argErr.Index != tc.argIdx {
			t.Errorf("%s%v: error %#v is not an ArgError for argument %d", tc.fn, tc.args, err, tc.argIdx)
		}
	}
}

// TestCidrDiagnostic checks the message a user sees: HCL names the
// parameter, the function names the value.
func TestCidrDiagnostic(t *testing.T) {
	_, diags := eval(t, `cidrhost("10.0.0.0/30", 9)`)
	want := `Invalid value for "hostnum" parameter: prefix 10.0.0.0/30 has 4 addresses; host number 9 is out of range.`
	if !strings.Contains(diags.Error(), want) {
		t.Errorf("got %q, want it to contain %q", diags.Error(), want)
	}
	_, diags = eval(t, `cidrsubnets("10.0.0.0/30", 1, 1, 1)`)
	if want := `Invalid value for "newbits" parameter`; !strings.Contains(diags.Error(), want) {
		t.Errorf("got %q, want it to contain %q", diags.Error(), want)
	}
}

// FuzzCidr feeds arbitrary strings and numbers to every network function:
// none may panic, whatever the input.
func FuzzCidr(f *testing.F) {
	f.Add("10.0.0.0/24", int64(1), int64(2), 0.5)
	f.Add("fd00::/64", int64(-1), int64(64), 1e300)
	f.Add("0.0.0.0/0", int64(32), int64(math.MaxInt64), math.Inf(1))
	f.Add("::/0", int64(math.MinInt64), int64(128), -0.0)
	f.Add("::ffff:10.0.0.1/120", int64(8), int64(255), 3.0)
	f.Fuzz(func(t *testing.T, s string, a, b int64, x float64) {
		if math.IsNaN(x) {
			x = 0 // go-cty has no NaN; NumberFloatVal panics on it by design.
		}
		fns := Functions()
		nums := []cty.Value{num(a), num(b), cty.NumberFloatVal(x)}
		for _, n := range nums {
			for _, m := range nums {
				fns["cidrhost"].Call([]cty.Value{str(s), n})
				fns["cidrsubnet"].Call([]cty.Value{str(s), n, m})
				fns["cidrsubnets"].Call([]cty.Value{str(s), n, m})
			}
		}
		fns["cidrnetmask"].Call([]cty.Value{str(s)})
		fns["cidrprefix"].Call([]cty.Value{str(s)})
		fns["cidrcontains"].Call([]cty.Value{str(s), str(s)})
		fns["cidrcontains"].Call([]cty.Value{str("10.0.0.0/8"), str(s)})
	})
}
