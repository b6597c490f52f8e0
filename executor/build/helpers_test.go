package build

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ulikunitz/xz"
	"golang.org/x/sys/unix"

	"vsc/ir"
)

// needRoot skips a test, loudly, when it cannot run: building a guest
// makes device nodes and gives files away.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIP: build test needs root (mknod, chown)")
	}
}

// testTime is the mtime of the test archives' entries.
var testTime = time.Date(2020, 2, 3, 4, 5, 6, 0, time.UTC)

// ent is a test archive entry; mode 0 means 0644 for files, 0755 for
// folders.
type ent struct {
	typ          byte
	name, link   string
	body         string
	mode         int64
	uid, gid     int
	major, minor int64
}

func makeTar(t testing.TB, ents ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		mode := e.mode
		if mode == 0 {
			mode = 0o644
			if e.typ == tar.TypeDir {
				mode = 0o755
			}
		}
		h := &tar.Header{Typeflag: e.typ, Name: e.name, Linkname: e.link, Mode: mode, Uid: e.uid, Gid: e.gid,
			ModTime: testTime, Devmajor: e.major, Devminor: e.minor, Format: tar.FormatPAX}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %s: %v", e.name, err)
		}
		if e.body != "" {
			tw.Write([]byte(e.body))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xzed(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// place is a test's folder: the guest's root-to-be, and a canary folder
// beside it that a hostile build must leave empty.
type place struct {
	dir, root, canary string
}

func newPlace(t *testing.T) place {
	t.Helper()
	dir := t.TempDir()
	p := place{dir: dir, root: filepath.Join(dir, "guests", "web"), canary: filepath.Join(dir, "outside")}
	if err := os.Mkdir(p.canary, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkCanary fails the test when anything was written beside the root.
func (p place) checkCanary(t *testing.T) {
	t.Helper()
	names, err := dirNames(p.canary)
	if err != nil {
		t.Fatalf("canary: %v", err)
	}
	if len(names) != 0 {
		t.Fatalf("written outside the root, in %s: %v", p.canary, names)
	}
	top, _ := dirNames(p.dir)
	for _, n := range top {
		if n != "guests" && n != "outside" && !strings.HasSuffix(n, ".tar") {
			t.Fatalf("written outside the root, in %s: %s", p.dir, n)
		}
	}
}

// archive writes data as the test's template archive.
func (p place) archive(t *testing.T, name string, data []byte) string {
	t.Helper()
	f := filepath.Join(p.dir, name+".tar")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func (p place) op(method string) *ir.GuestBuild {
	return &ir.GuestBuild{Guest: "web", Method: method, Root: p.root}
}

func lstat(t *testing.T, name string) *unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(name, &st); err != nil {
		t.Fatalf("lstat: %v", err)
	}
	return &st
}

func exists(name string) bool {
	_, err := os.Lstat(name)
	return err == nil
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// logWriter sends a build's progress lines to the test log.
type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func timeAfter(ms int) <-chan time.Time { return time.After(time.Duration(ms) * time.Millisecond) }

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
