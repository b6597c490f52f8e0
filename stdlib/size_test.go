package stdlib

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
	}{
		{"0", 0},
		{"1024", 1024},
		{"1024B", 1024},
		{"1024 b", 1024},
		{"1K", 1 << 10},
		{"1k", 1 << 10},
		{"1KiB", 1 << 10},
		{"1kib", 1 << 10},
		{"1KB", 1000},
		{"1kb", 1000},
		{"512M", 512 << 20},
		{"512MiB", 512 << 20},
		{"200 MiB", 200 << 20},
		{"200\tMiB", 200 << 20},
		{" 200MiB ", 200 << 20},
		{"2MB", 2e6},
		{"1G", 1 << 30},
		{"1.5G", 3 << 29},
		{"1.5GB", 1.5e9},
		{"0.5KiB", 512},
		{"1.000", 1},
		{"3GiB", 3 << 30},
		{"4GB", 4e9},
		{"1T", 1 << 40},
		{"2TiB", 2 << 40},
		{"2TB", 2e12},
		{"1P", 1 << 50},
		{"16PiB", 16 << 50},
		{"7PB", 7e15},
		{"18446744073709551615", 1<<64 - 1},
		{"16383PiB", 16383 << 50},
		{"007K", 7 << 10},
	} {
		got, err := ParseSize(tc.in)
		if err != nil {
			t.Errorf("ParseSize(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseSize(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestParseSizeBad(t *testing.T) {
	for _, tc := range []struct {
		in, why string
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"-1", "negative"},
		{"-1K", "negative"},
		{"+1K", "expected a number"},
		{"K", "expected a number"},
		{".5K", "expected a number"},
		{"1.K", "expected digits after the decimal point"},
		{"1.5", "not a whole number of bytes"},
		{"1.1K", "not a whole number of bytes"},
		{"0.0001KB", "not a whole number of bytes"},
		{"10X", `unknown unit "X"`},
		{"10 MiBs", `unknown unit "MiBs"`},
		{"1e3", `unknown unit "e3"`},
		{"1,5G", `unknown unit ",5G"`},
		{"1 2", `unknown unit "2"`},
		{"1EiB", `unknown unit "EiB"`},
		{"18446744073709551616", "larger than 18446744073709551615 bytes"},
		{"16384PiB", "larger than"},
		{"99999999999999999999999999999999G", "larger than"},
	} {
		_, err := ParseSize(tc.in)
		if err == nil {
			t.Errorf("ParseSize(%q): no error, want %q", tc.in, tc.why)
			continue
		}
		msg := err.Error()
		for _, want := range []string{`invalid size "` + tc.in + `"`, tc.why, "KiB, MiB, GiB", "KB, MB, GB"} {
			if !strings.Contains(msg, want) {
				t.Errorf("ParseSize(%q): error %q does not mention %q", tc.in, msg, want)
			}
		}
	}
}

func TestFormatSize(t *testing.T) {
	for _, tc := range []struct {
		in   uint64
		want string
	}{
		{0, "0B"},
		{1, "1B"},
		{1000, "1000B"},
		{1023, "1023B"},
		{1024, "1KiB"},
		{1536, "1536B"},
		{3072, "3KiB"},
		{209715200, "200MiB"},
		{512 << 20, "512MiB"},
		{1 << 30, "1GiB"},
		{1025 << 20, "1025MiB"},
		{1 << 40, "1TiB"},
		{1 << 50, "1PiB"},
		{1 << 60, "1024PiB"},
		{1<<64 - 1, "18446744073709551615B"},
	} {
		if got := FormatSize(tc.in); got != tc.want {
			t.Errorf("FormatSize(%d) = %q, want %q", tc.in, got, tc.want)
		}
		if back, err := ParseSize(tc.want); err != nil || back != tc.in {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.want, back, err, tc.in)
		}
	}
}

// FuzzParseSize: ParseSize never panics, and what it accepts survives a
// FormatSize round trip unchanged.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"0", "1024", "1.5G", "200 MiB", "7PB", "-1", "1.", "18446744073709551616", "0.5kib", " 3 t "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			if !strings.Contains(err.Error(), "powers of 1024") {
				t.Errorf("ParseSize(%q): error %q does not list the units", s, err)
			}
			return
		}
		formatted := FormatSize(n)
		back, err := ParseSize(formatted)
		if err != nil || back != n {
			t.Errorf("ParseSize(%q) = %d; FormatSize = %q; ParseSize of that = %d, %v", s, n, formatted, back, err)
		}
	})
}
