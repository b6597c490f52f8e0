package lsp

import (
	"testing"
	"unicode/utf16"
)

func TestPositions(t *testing.T) {
	// Line 1 holds a 2-byte, a 3-byte and a 4-byte (two UTF-16 units)
	// character; line 2 ends the text without a newline.
	src := []byte("ab\né☕😀x\r\nlast")
	tx := newText(src)
	for _, tc := range []struct {
		off       int
		u16, u8   Position
		roundTrip bool
	}{
		{0, Position{0, 0}, Position{0, 0}, true},
		{2, Position{0, 2}, Position{0, 2}, true},
		{3, Position{1, 0}, Position{1, 0}, true},   // é
		{5, Position{1, 1}, Position{1, 2}, true},   // ☕
		{8, Position{1, 2}, Position{1, 5}, true},   // 😀
		{12, Position{1, 4}, Position{1, 9}, true},  // x
		{13, Position{1, 5}, Position{1, 10}, true}, // \r
		{15, Position{2, 0}, Position{2, 0}, true},  // last
		{19, Position{2, 4}, Position{2, 4}, true},  // the end
		{99, Position{2, 4}, Position{2, 4}, false}, // clamped
		{-1, Position{0, 0}, Position{0, 0}, false}, // clamped
		{10, Position{1, 4}, Position{1, 7}, false}, // inside 😀: counted as passed
	} {
		if got := tx.position(tc.off, encUTF16); got != tc.u16 {
			t.Errorf("position(%d, utf-16) = %v, want %v", tc.off, got, tc.u16)
		}
		if got := tx.position(tc.off, encUTF8); got != tc.u8 {
			t.Errorf("position(%d, utf-8) = %v, want %v", tc.off, got, tc.u8)
		}
		if tc.roundTrip {
			if got := tx.offset(tc.u16, encUTF16); got != tc.off {
				t.Errorf("offset(%v, utf-16) = %d, want %d", tc.u16, got, tc.off)
			}
			if got := tx.offset(tc.u8, encUTF8); got != tc.off {
				t.Errorf("offset(%v, utf-8) = %d, want %d", tc.u8, got, tc.off)
			}
		}
	}
	// Past the end of a line: the end of that line; past the last line:
	// the end of the text.
	for _, tc := range []struct {
		p    Position
		want int
	}{{Position{0, 50}, 2}, {Position{1, 50}, 14}, {Position{7, 0}, 19}, {Position{-1, 3}, 0}} {
		if got := tx.offset(tc.p, encUTF16); got != tc.want {
			t.Errorf("offset(%v) = %d, want %d", tc.p, got, tc.want)
		}
	}
}

// The UTF-16 column is what a UTF-16 editor counts, for every character
// of a line mixing scripts and astral symbols.
func TestUTF16Column(t *testing.T) {
	line := "  nice = /* Ünïcödé 日本語 😀🎉 𝄞 */ 99"
	tx := newText([]byte(line))
	for off, r := range line {
		want := len(utf16.Encode([]rune(line[:off])))
		if got := tx.position(off, encUTF16); got.Character != want {
			t.Fatalf("before %q: character %d, want %d", r, got.Character, want)
		}
		if got := tx.offset(Position{0, want}, encUTF16); got != off {
			t.Fatalf("offset of character %d = %d, want %d", want, got, off)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		offered []string
		want    encoding
	}{
		{nil, encUTF16},
		{[]string{"utf-16"}, encUTF16},
		{[]string{"utf-32", "utf-16"}, encUTF16},
		{[]string{"utf-16", "utf-8"}, encUTF8},
	} {
		if got := negotiate(tc.offered); got != tc.want {
			t.Errorf("negotiate(%v) = %v, want %v", tc.offered, got, tc.want)
		}
	}
}

func TestApplyChanges(t *testing.T) {
	d := newDocument("file:///x", "/x", 1, []byte("a😀b\ncd\n"))
	// Replace 😀 (UTF-16 characters 1..3) and join the lines.
	d = d.apply(2, []contentChange{
		{Range: &Range{Position{0, 1}, Position{0, 3}}, Text: "é"},
		{Range: &Range{Position{0, 3}, Position{1, 0}}, Text: " "},
	}, encUTF16)
	if string(d.src) != "aéb cd\n" || d.version != 2 {
		t.Errorf("after changes: %q@%d", d.src, d.version)
	}
	d = d.apply(3, []contentChange{{Text: "new"}}, encUTF16)
	if string(d.src) != "new" {
		t.Errorf("after a full change: %q", d.src)
	}
}

func TestURIs(t *testing.T) {
	for _, tc := range []struct{ uri, path string }{
		{"file:///etc/vsc/a.vsc.hcl", "/etc/vsc/a.vsc.hcl"},
		{"file:///tmp/with%20space/%C3%A9.vsc.hcl", "/tmp/with space/é.vsc.hcl"},
		{"untitled:Untitled-1", ""},
		{"file://", ""},
	} {
		if got := uriToPath(tc.uri); got != tc.path {
			t.Errorf("uriToPath(%q) = %q, want %q", tc.uri, got, tc.path)
		}
	}
	if got := pathToURI("/tmp/with space/é.vsc.hcl"); uriToPath(got) != "/tmp/with space/é.vsc.hcl" {
		t.Errorf("pathToURI round trip: %q", got)
	}
}
