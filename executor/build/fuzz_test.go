package build

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzTemplate extracts arbitrary bytes as a template archive into a
// fresh root: no panic, and nothing written beside the root, whatever the
// archive holds.
func FuzzTemplate(f *testing.F) {
	if os.Geteuid() != 0 {
		f.Skip("SKIP: extraction needs root (chown)")
	}
	seeds := [][]ent{
		{{typ: tar.TypeDir, name: "./"}, {typ: tar.TypeReg, name: "etc/motd", body: "hi"}, {typ: tar.TypeLink, name: "m", link: "etc/motd"}},
		{{typ: tar.TypeReg, name: "../evil", body: "x"}},
		{{typ: tar.TypeSymlink, name: "l", link: "/tmp"}, {typ: tar.TypeReg, name: "l/evil", body: "x"}},
		{{typ: tar.TypeSymlink, name: "up", link: ".."}, {typ: tar.TypeDir, name: "up/x/"}},
		{{typ: tar.TypeLink, name: "p", link: "/etc/passwd"}},
		{{typ: tar.TypeChar, name: "dev/mem", major: 1, minor: 1}, {typ: tar.TypeFifo, name: "f"}},
		{{typ: tar.TypeDir, name: "d/", mode: 0o4777}, {typ: tar.TypeReg, name: "d", body: "replaces"}},
	}
	for _, s := range seeds {
		b := makeTar(f, s...)
		f.Add(b)
		f.Add(gzipped(f, b))
	}
	f.Add(xzed(f, makeTar(f, seeds[2]...)))
	base := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if !small(data) {
			t.Skip()
		}
		// One folder per input, without t.TempDir's slower cleanup.
		dir, err := os.MkdirTemp(base, "")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		root := filepath.Join(dir, "root")
		if err := os.Mkdir(root, 0o755); err != nil {
			t.Fatal(err)
		}
		tr, err := openTree(root)
		if err != nil {
			t.Fatal(err)
		}
		defer tr.close()
		extract(bytesReader(data), tr, io.Discard)
		names, err := dirNames(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 1 || names[0] != "root" {
			t.Fatalf("written beside the root: %v", names)
		}
		if fi, err := os.Lstat(root); err != nil || !fi.IsDir() {
			t.Fatalf("the root is no longer a folder: %v", err)
		}
	})
}

// small keeps the fuzzer to archives whose entries are small: a sparse
// entry can claim terabytes of holes in a few bytes.
func small(data []byte) bool {
	r, _, err := decompress(bytesReader(data))
	if err != nil {
		return true
	}
	tr := tar.NewReader(io.LimitReader(r, 1<<20))
	for n := 0; n < 1000; n++ {
		h, err := tr.Next()
		if err != nil {
			return true
		}
		if h.Size > 1<<20 {
			return false
		}
	}
	return false
}
