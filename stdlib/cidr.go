package stdlib

import (
	"fmt"
	"math/big"
	"net/netip"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// The network functions Terraform users know (cidrhost, cidrsubnet,
// cidrnetmask, cidrsubnets) plus cidrprefix and cidrcontains, which vsc
// configurations need to derive a guest's network from its address and to
// test membership. They are written on net/netip rather than imported from
// Terraform; arithmetic on addresses goes through math/big so that IPv6
// (128-bit) and absurd arguments (1e300, 2.5) are handled without overflow
// or panic.

var (
	cidrHostFunc = function.New(&function.Spec{
		Description: "Returns the address numbered hostnum within prefix; a negative hostnum counts back from the last address.",
		Params: []function.Parameter{
			{Name: "prefix", Type: cty.String},
			{Name: "hostnum", Type: cty.Number},
		},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p, err := prefixArg(args, 0)
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			n, err := intArg(args, 1)
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			hostBits := p.Addr().BitLen() - p.Bits()
			size := pow2(hostBits)
			if n.Sign() < 0 {
				// As in Terraform, -1 is the last address of the prefix.
				n.Add(n, size)
			}
			if n.Sign() < 0 || n.Cmp(size) >= 0 {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(1,
					"prefix %s has %s addresses; host number %s is out of range",
					p, countString(hostBits), displayValue(args[1]))
			}
			a, err := offsetAddr(p.Addr(), n)
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			return cty.StringVal(a.String()), nil
		},
	})

	cidrSubnetFunc = function.New(&function.Spec{
		Description: "Returns subnet number netnum of prefix, newbits longer than prefix.",
		Params: []function.Parameter{
			{Name: "prefix", Type: cty.String},
			{Name: "newbits", Type: cty.Number},
			{Name: "netnum", Type: cty.Number},
		},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p, err := prefixArg(args, 0)
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			newLen, err := newbitsArg(args, 1, p, 0)
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			n, err := intArg(args, 2)
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			subnetBits := newLen - p.Bits()
			if n.Sign() < 0 || n.Cmp(pow2(subnetBits)) >= 0 {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(2,
					"prefix %s has %s subnets of length /%d (numbered from 0); subnet number %s is out of range",
					p, countString(subnetBits), newLen, displayValue(args[2]))
			}
			a, err := offsetAddr(p.Addr(), n.Lsh(n, uint(p.Addr().BitLen()-newLen)))
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			return cty.StringVal(netip.PrefixFrom(a, newLen).String()), nil
		},
	})

	cidrSubnetsFunc = function.New(&function.Spec{
		Description: "Allocates consecutive subnets of prefix, one for each newbits, each aligned to its own size.",
		Params: []function.Parameter{
			{Name: "prefix", Type: cty.String},
		},
		VarParam: &function.Parameter{Name: "newbits", Type: cty.Number},
		Type:     function.StaticReturnType(cty.List(cty.String)),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p, err := prefixArg(args, 0)
			if err != nil {
				return cty.UnknownVal(cty.List(cty.String)), err
			}
			if len(args) == 1 {
				return cty.ListValEmpty(cty.String), nil
			}
			addrBits := p.Addr().BitLen()
			total := pow2(addrBits - p.Bits())
			// next is the offset, from the start of p, of the first address
			// not yet allocated. Each subnet starts at next rounded up to a
			// multiple of its own size, which is what Terraform's
			// cidrsubnets does (a /26 after a /28 skips to the next /26).
			next := new(big.Int)
			result := make([]cty.Value, 0, len(args)-1)
			for i := 1; i < len(args); i++ {
				newLen, err := newbitsArg(args, i, p, 1)
				if err != nil {
					return cty.UnknownVal(cty.List(cty.String)), err
				}
				size := pow2(addrBits - newLen)
				start := roundUp(next, size)
				end := new(big.Int).Add(start, size)
				if end.Cmp(total) > 0 {
					// newbitsArg keeps a first subnet within p, so only a
					// later one can overflow and result is not empty.
					return cty.UnknownVal(cty.List(cty.String)), function.NewArgErrorf(i,
						"prefix %s has no room left for a /%d (newbits %s) after %s",
						p, newLen, displayValue(args[i]), result[len(result)-1].AsString())
				}
				a, err := offsetAddr(p.Addr(), start)
				if err != nil {
					return cty.UnknownVal(cty.List(cty.String)), err
				}
				result = append(result, cty.StringVal(netip.PrefixFrom(a, newLen).String()))
				next = end
			}
			return cty.ListVal(result), nil
		},
	})

	cidrNetmaskFunc = function.New(&function.Spec{
		Description: "Returns the dotted-quad netmask of an IPv4 prefix.",
		Params: []function.Parameter{
			{Name: "prefix", Type: cty.String},
		},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p, err := prefixArg(args, 0)
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			if !p.Addr().Is4() {
				return cty.UnknownVal(cty.String), function.NewArgErrorf(0,
					"%q is an IPv6 prefix; only IPv4 has dotted netmasks (use the prefix length /%d)",
					args[0].AsString(), p.Bits())
			}
			// Go defines a shift by 32 of a uint32 as 0, so /0 needs no
			// special case.
			mask := ^uint32(0) << (32 - p.Bits())
			return cty.StringVal(netip.AddrFrom4([4]byte{
				byte(mask >> 24), byte(mask >> 16), byte(mask >> 8), byte(mask),
			}).String()), nil
		},
	})

	cidrPrefixFunc = function.New(&function.Spec{
		Description: "Returns the network of an address written with its prefix length, e.g. 10.7.0.2/16 → 10.7.0.0/16.",
		Params: []function.Parameter{
			{Name: "address", Type: cty.String},
		},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p, err := prefixArg(args, 0)
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			return cty.StringVal(p.String()), nil
		},
	})

	cidrContainsFunc = function.New(&function.Spec{
		Description: "Returns true if prefix contains the address or the whole prefix given as second argument.",
		Params: []function.Parameter{
			{Name: "prefix", Type: cty.String},
			{Name: "address", Type: cty.String},
		},
		Type: function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p, err := prefixArg(args, 0)
			if err != nil {
				return cty.UnknownVal(cty.Bool), err
			}
			var q netip.Prefix
			if s := args[1].AsString(); strings.Contains(s, "/") {
				if q, err = prefixArg(args, 1); err != nil {
					return cty.UnknownVal(cty.Bool), err
				}
			} else {
				a, err := netip.ParseAddr(s)
				if err != nil || a.Zone() != "" {
					return cty.UnknownVal(cty.Bool), function.NewArgErrorf(1,
						"%q is neither an IP address nor a CIDR prefix", s)
				}
				q = netip.PrefixFrom(a, a.BitLen())
			}
			// An address of the other family is simply not contained: a list
			// of mixed IPv4 and IPv6 addresses can be filtered with this.
			return cty.BoolVal(p.Addr().BitLen() == q.Addr().BitLen() &&
				p.Bits() <= q.Bits() && p.Contains(q.Addr())), nil
		},
	})
)

// prefixArg reads args[i] as a CIDR prefix and returns it masked to its
// network (10.0.0.5/24 → 10.0.0.0/24), as Terraform does. It is the one
// place where network functions parse a prefix, so they all accept and
// reject the same strings with the same message.
func prefixArg(args []cty.Value, i int) (netip.Prefix, error) {
	s := args[i].AsString()
	p, err := netip.ParsePrefix(s)
	if err == nil {
		return p.Masked(), nil
	}
	if a, aerr := netip.ParseAddr(s); aerr == nil {
		example := s + "/24"
		if a.Is6() {
			example = s + "/64"
		}
		return netip.Prefix{}, function.NewArgErrorf(i,
			"%q is an address without a prefix length; write it like %q", s, example)
	}
	// netip's message repeats the input after its own function name; keep
	// only the reason, since ours already quotes the value.
	reason := strings.TrimPrefix(err.Error(), fmt.Sprintf("netip.ParsePrefix(%q): ", s))
	return netip.Prefix{}, function.NewArgErrorf(i,
		"%q is not a CIDR prefix such as 10.0.0.0/24 or fd00::/64 (%s)", s, reason)
}

// newbitsArg reads args[i] as a number of bits to add to p and returns the
// resulting prefix length, which must fit the address family. min is the
// smallest allowed value (cidrsubnets, like Terraform, refuses 0).
func newbitsArg(args []cty.Value, i int, p netip.Prefix, min int64) (int, error) {
	n, err := intArg(args, i)
	if err != nil {
		return 0, err
	}
	addrBits := p.Addr().BitLen()
	if n.Cmp(big.NewInt(min)) < 0 {
		return 0, function.NewArgErrorf(i, "must be at least %d, got %s", min, displayValue(args[i]))
	}
	if n.Cmp(big.NewInt(int64(addrBits-p.Bits()))) > 0 {
		family := "IPv4"
		if addrBits == 128 {
			family = "IPv6"
		}
		return 0, function.NewArgErrorf(i,
			"adding %s bits to %s would make a prefix longer than the %d bits of an %s address",
			displayValue(args[i]), p, addrBits, family)
	}
	return p.Bits() + int(n.Int64()), nil
}

// intArg reads args[i] as a whole number. go-cty numbers are arbitrary
// precision floats, so fractions are refused and magnitudes beyond any
// address size (including infinities) are clamped to ±2^200: every caller
// compares against bounds below 2^129, so the clamped value fails those
// checks with the right message, and 1e1000000 never becomes a huge
// big.Int.
func intArg(args []cty.Value, i int) (*big.Int, error) {
	f := args[i].AsBigFloat()
	const limitExp = 200
	if f.IsInf() || f.MantExp(nil) > limitExp {
		n := pow2(limitExp)
		if f.Sign() < 0 {
			n.Neg(n)
		}
		return n, nil
	}
	if !f.IsInt() {
		return nil, function.NewArgErrorf(i, "must be a whole number, got %s", displayValue(args[i]))
	}
	n, _ := f.Int(nil)
	return n, nil
}

// pow2 returns 2^n as a new big.Int.
func pow2(n int) *big.Int {
	return new(big.Int).Lsh(big.NewInt(1), uint(n))
}

// roundUp returns the smallest multiple of size (a power of two) that is
// at least n.
func roundUp(n, size *big.Int) *big.Int {
	r := new(big.Int).Add(n, size)
	r.Sub(r, big.NewInt(1))
	r.Div(r, size)
	return r.Mul(r, size)
}

// countString writes 2^bits for messages: in full when short, as a power
// of two when an IPv6 count would be a 39-digit number.
func countString(bits int) string {
	if bits <= 32 {
		return pow2(bits).String()
	}
	return fmt.Sprintf("2^%d", bits)
}

// offsetAddr returns base + off. Callers check that the result stays in
// a prefix containing base, so the error is for a bug in a caller: it
// replaces the panic FillBytes would raise with an ordinary error.
func offsetAddr(base netip.Addr, off *big.Int) (netip.Addr, error) {
	b := base.AsSlice()
	n := new(big.Int).SetBytes(b)
	n.Add(n, off)
	if n.Sign() < 0 || n.BitLen() > len(b)*8 {
		return netip.Addr{}, fmt.Errorf("internal error: %s + %s overflows the address", base, off)
	}
	n.FillBytes(b)
	a, _ := netip.AddrFromSlice(b)
	return a, nil
}
