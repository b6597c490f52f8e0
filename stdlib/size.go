package stdlib

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// sizeUnits maps a lower-cased unit to its number of bytes. K…P and the
// KiB…PiB forms are powers of 1024 and KB…PB powers of 1000, as dd and
// systemd read them: in this domain (memory limits, disk quotas) "512M"
// always means mebibytes, while someone who writes "MB" asked for the
// decimal unit explicitly.
var sizeUnits = map[string]uint64{
	"":  1,
	"b": 1,

	"k": 1 << 10, "kib": 1 << 10, "kb": 1e3,
	"m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
	"g": 1 << 30, "gib": 1 << 30, "gb": 1e9,
	"t": 1 << 40, "tib": 1 << 40, "tb": 1e12,
	"p": 1 << 50, "pib": 1 << 50, "pb": 1e15,
}

// sizeHelp ends every ParseSize error, so a user who got a size wrong
// learns in the same message how to write it.
const sizeHelp = "a size is a whole number of bytes, optionally followed by a unit: " +
	"B; K, M, G, T, P or KiB, MiB, GiB, TiB, PiB (powers of 1024); KB, MB, GB, TB, PB (powers of 1000)"

// ParseSize returns the number of bytes a size string stands for:
// "4096", "512MiB", "1.5G", "200 MB". Units are case-insensitive and may
// be separated from the number by spaces; a decimal fraction is allowed
// when the result is a whole number of bytes. Negative, empty or
// malformed sizes, unknown units and sizes beyond 2^64-1 bytes are errors naming the value and the accepted units. docs/functions.md
// ("Sizes") documents the same rules for users.
func ParseSize(s string) (uint64, error) {
	fail := func(reason string) (uint64, error) {
		return 0, fmt.Errorf("invalid size %q: %s; %s", s, reason, sizeHelp)
	}

	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return fail("empty")
	case t[0] == '-':
		return fail("negative")
	}

	intPart, rest := leadingDigits(t)
	var fracPart string
	if strings.HasPrefix(rest, ".") {
		fracPart, rest = leadingDigits(rest[1:])
		if fracPart == "" {
			return fail("expected digits after the decimal point")
		}
	}
	if intPart == "" {
		return fail("expected a number")
	}
	unit := strings.TrimLeft(rest, " \t")
	mult, ok := sizeUnits[strings.ToLower(unit)]
	if !ok {
		return fail(fmt.Sprintf("unknown unit %q", unit))
	}

	// Exact arithmetic: value = digits × mult / 10^len(frac). math/big
	// keeps "1.5G" exact and lets overflow be detected instead of wrapping.
	n, _ := new(big.Int).SetString(intPart+fracPart, 10)
	n.Mul(n, new(big.Int).SetUint64(mult))
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(fracPart))), nil)
	n, rem := n.QuoRem(n, scale, new(big.Int))
	switch {
	case rem.Sign() != 0:
		return fail("not a whole number of bytes")
	case !n.IsUint64():
		return fail("larger than " + strconv.FormatUint(^uint64(0), 10) + " bytes")
	}
	return n.Uint64(), nil
}

// leadingDigits splits s after its leading ASCII digits.
func leadingDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// binaryUnits are FormatSize's units, largest first.
var binaryUnits = []struct {
	name  string
	bytes uint64
}{
	{"PiB", 1 << 50}, {"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
}

// FormatSize writes bytes with the largest binary unit that divides it
// evenly (209715200 → "200MiB", 3072 → "3KiB"), else in bytes ("1536B",
// "1000B", "0B"). It never rounds, so ParseSize(FormatSize(n)) == n for
// every n.
func FormatSize(bytes uint64) string {
	if bytes != 0 {
		for _, u := range binaryUnits {
			if bytes%u.bytes == 0 {
				return strconv.FormatUint(bytes/u.bytes, 10) + u.name
			}
		}
	}
	return strconv.FormatUint(bytes, 10) + "B"
}
