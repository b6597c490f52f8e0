package build

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"vsc/ir"
)

// TestRootNotEmpty: a guest is never overwritten.
func TestRootNotEmpty(t *testing.T) {
	needRoot(t)
	p := newPlace(t)
	os.MkdirAll(p.root, 0o755)
	os.WriteFile(filepath.Join(p.root, "precious"), []byte("mine"), 0o644)
	err := Build(p.op("skeleton"), Options{})
	if err == nil || !strings.Contains(err.Error(), "root "+p.root+" exists and is not empty; remove it or choose another root") {
		t.Fatalf("Build into a full root: %v", err)
	}
	if got := readFile(t, filepath.Join(p.root, "precious")); got != "mine" {
		t.Errorf("the guest's file changed: %q", got)
	}
	if names, _ := dirNames(p.root); len(names) != 1 {
		t.Errorf("root holds %v after a refused build", names)
	}
}

func TestRootSymlink(t *testing.T) {
	needRoot(t)
	p := newPlace(t)
	os.MkdirAll(filepath.Dir(p.root), 0o755)
	os.Symlink(p.canary, p.root)
	if err := Build(p.op("skeleton"), Options{}); err == nil || !strings.Contains(err.Error(), "is a symlink") {
		t.Fatalf("Build into a symlink root: %v", err)
	}
	p.checkCanary(t)
}

// TestRootEmptyExisting: an empty root (a fresh filesystem with its empty
// lost+found) is taken, and on failure emptied, not removed.
func TestRootEmptyExisting(t *testing.T) {
	needRoot(t)
	p := newPlace(t)
	os.MkdirAll(filepath.Join(p.root, "lost+found"), 0o700)
	if err := Build(p.op("skeleton"), Options{}); err != nil {
		t.Fatal(err)
	}
	checkDev(t, p.root)

	p = newPlace(t)
	os.MkdirAll(filepath.Join(p.root, "lost+found"), 0o700)
	op := p.op("template")
	op.Archive = filepath.Join(p.dir, "missing.tar")
	err := Build(op, Options{})
	if err == nil || !strings.Contains(err.Error(), "emptied") {
		t.Fatalf("Build: %v", err)
	}
	if names, _ := dirNames(p.root); len(names) != 1 || names[0] != "lost+found" {
		t.Errorf("root after a failed build holds %v, want [lost+found]", names)
	}
}

// TestFailedBuild: a build that fails removes its partial root, or keeps
// it when asked.
func TestFailedBuild(t *testing.T) {
	needRoot(t)
	full := gzipped(t, guestArchive(t))
	for _, tc := range []struct {
		name string
		data []byte // nil: no archive at all
	}{
		{"missing archive", nil},
		{"corrupt half-way", full[:len(full)/2]},
		{"bad checksum", append(append([]byte{}, full[:len(full)-8]...), 0, 0, 0, 0, 0, 0, 0, 0)},
		{"zstd", []byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0}},
	} {
		for _, keep := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s keep=%v", tc.name, keep), func(t *testing.T) {
				p := newPlace(t)
				op := p.op("template")
				op.Archive = filepath.Join(p.dir, "missing.tar")
				if tc.data != nil {
					op.Archive = p.archive(t, "bad", tc.data)
				}
				var out bytes.Buffer
				err := Build(op, Options{Keep: keep, Out: &out})
				t.Logf("%v\n%s", err, out.String())
				if err == nil {
					t.Fatal("Build succeeded")
				}
				if keep {
					if !exists(p.root) || !strings.Contains(err.Error(), "kept") {
						t.Errorf("--keep: root exists %v, error %v", exists(p.root), err)
					}
				} else if exists(p.root) || !strings.Contains(err.Error(), "removed") {
					t.Errorf("root exists %v, error %v", exists(p.root), err)
				}
			})
		}
	}
}

func TestSkeleton(t *testing.T) {
	needRoot(t)
	p := newPlace(t)
	if err := Build(p.op("skeleton"), Options{Out: logWriter{t}}); err != nil {
		t.Fatal(err)
	}
	for _, d := range skeletonDirs {
		st := lstat(t, filepath.Join(p.root, d.name))
		if st.Mode&0o7777 != d.mode || st.Uid != 0 {
			t.Errorf("/%s mode %#o owner %d, want %#o root", d.name, st.Mode&0o7777, st.Uid, d.mode)
		}
	}
	checkDev(t, p.root)
	if got := readFile(t, filepath.Join(p.root, "etc/hostname")); got != "web\n" {
		t.Errorf("etc/hostname = %q, want the guest's name", got)
	}
	names, _ := dirNames(filepath.Join(p.root, "etc"))
	if len(names) != 1 {
		t.Errorf("/etc holds %v, want only hostname", names)
	}
}

// fakeTool puts a shell script named name first in PATH (and only it).
func fakeTool(t *testing.T, name, script string) string {
	t.Helper()
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return bin
}

func TestDebootstrapMissing(t *testing.T) {
	needRoot(t)
	t.Setenv("PATH", t.TempDir())
	p := newPlace(t)
	op := p.op("debootstrap")
	op.Distribution = "bookworm"
	err := Build(op, Options{})
	if err == nil || !strings.Contains(err.Error(), "debootstrap is not installed (Debian package debootstrap") {
		t.Fatalf("Build: %v", err)
	}
	if exists(p.root) {
		t.Error("root left behind")
	}
}

// TestDebootstrapFails: the tool's failure fails the build, loudly.
func TestDebootstrapFails(t *testing.T) {
	needRoot(t)
	fakeTool(t, "debootstrap", `
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do echo "I: step $i"; done
mkdir -p "$3/debootstrap"
echo "the log's own words" > "$3/debootstrap/debootstrap.log"
echo "E: Couldn't download packages: libc6" >&2
exit 3
`)
	p := newPlace(t)
	op := p.op("debootstrap")
	op.Distribution = "bookworm"
	var out bytes.Buffer
	err := Build(op, Options{Out: &out})
	t.Log(err)
	if err == nil {
		t.Fatal("Build succeeded")
	}
	for _, want := range []string{"debootstrap --variant=minbase bookworm " + p.root + " failed: exit status 3", "E: Couldn't download packages: libc6", "I: step 25", "the log's own words", "removed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q", want)
		}
	}
	if strings.Contains(err.Error(), "I: step 5\n") {
		t.Error("error carries more than the last lines")
	}
	if !strings.Contains(out.String(), "I: step 1\n") {
		t.Error("the tool's output did not reach Out")
	}
	if exists(p.root) {
		t.Error("root left behind")
	}
}

// TestDebootstrapRuns: the arguments, and the tool's /dev replaced by
// the minimal one.
func TestDebootstrapRuns(t *testing.T) {
	needRoot(t)
	args := filepath.Join(t.TempDir(), "args")
	mknod, err := exec.LookPath("mknod")
	if err != nil {
		t.Skip("SKIP: no mknod program for the fake debootstrap")
	}
	fakeTool(t, "debootstrap", fmt.Sprintf(`
echo "$@" > %s
mkdir -p "$3/dev" "$3/etc" "$3/bin"
%s "$3/dev/sda" b 8 0
%s "$3/dev/console" c 5 1
echo debian > "$3/etc/hostname"
`, args, mknod, mknod))
	p := newPlace(t)
	op := p.op("debootstrap")
	op.Distribution = "bookworm"
	op.Mirror = "http://deb.example/debian"
	if err := Build(op, Options{Out: logWriter{t}, Hostname: "db"}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, args); got != "--variant=minbase bookworm "+p.root+" http://deb.example/debian\n" {
		t.Errorf("debootstrap ran with %q", got)
	}
	checkDev(t, p.root)
	if got := readFile(t, filepath.Join(p.root, "etc/hostname")); got != "db\n" {
		t.Errorf("etc/hostname = %q", got)
	}
}

// TestDebootstrapLeftMounted: what a failed tool leaves mounted inside
// the root is unmounted before the root is removed, and the host's files
// under that mount are not touched.
func TestDebootstrapLeftMounted(t *testing.T) {
	needRoot(t)
	hostDir := t.TempDir()
	os.WriteFile(filepath.Join(hostDir, "keep"), []byte("host"), 0o644)
	mount, err := exec.LookPath("mount")
	if err != nil {
		t.Skip("SKIP: no mount program for the fake debootstrap")
	}
	p := newPlace(t)
	t.Cleanup(func() { exec.Command("umount", "-l", filepath.Join(p.root, "proc")).Run() })
	fakeTool(t, "debootstrap", fmt.Sprintf(`
mkdir -p "$3/proc"
%s --bind %s "$3/proc" || exit 9
exit 1
`, mount, hostDir))
	op := p.op("debootstrap")
	op.Distribution = "bookworm"
	var out bytes.Buffer
	err = Build(op, Options{Out: &out})
	t.Logf("%v\n%s", err, out.String())
	if err == nil || strings.Contains(err.Error(), "exit status 9") {
		t.Fatalf("Build: %v", err)
	}
	if got := readFile(t, filepath.Join(hostDir, "keep")); got != "host" {
		t.Errorf("the host's file under the mount: %q", got)
	}
	if exists(p.root) {
		t.Error("root left behind")
	}
	if !strings.Contains(out.String(), "unmounted "+p.root+"/proc") {
		t.Error("output does not say what it unmounted")
	}
}

func TestYum(t *testing.T) {
	needRoot(t)
	t.Setenv("PATH", t.TempDir())
	p := newPlace(t)
	op := p.op("yum")
	op.Distribution = "40"
	if err := Build(op, Options{}); err == nil || !strings.Contains(err.Error(), "neither yum nor dnf is installed (Debian package dnf") {
		t.Fatalf("Build: %v", err)
	}

	// dnf stands in for yum, with yum's options.
	args := filepath.Join(t.TempDir(), "args")
	fakeTool(t, "dnf", fmt.Sprintf("echo \"$@\" > %s\n", args))
	p = newPlace(t)
	op = p.op("yum")
	op.Distribution = "40"
	if err := Build(op, Options{}); err != nil {
		t.Fatal(err)
	}
	want := "--installroot=" + p.root + " --releasever=40 -y install " + strings.Join(yumPackages, " ") + "\n"
	if got := readFile(t, args); got != want {
		t.Errorf("dnf ran with %q, want %q", got, want)
	}
	checkDev(t, p.root)
}

func TestBuildArguments(t *testing.T) {
	for _, op := range []*ir.GuestBuild{
		nil,
		{Guest: "x", Method: "skeleton", Root: "relative"},
		{Guest: "x", Method: "skeleton", Root: "/"},
		{Guest: "x", Method: "skeleton", Root: "/a/../b"},
	} {
		if err := Build(op, Options{}); err == nil {
			t.Errorf("Build(%+v) succeeded", op)
		}
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	for in, want := range map[string]string{
		`/a/b`:           "/a/b",
		`/a\040b`:        "/a b",
		`/t\011ab\012nl`: "/t\tab\nnl",
		`/x\134y`:        `/x\y`,
		`/end\04`:        `/end\04`,
	} {
		if got := unescapeMountinfo(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTail(t *testing.T) {
	tl := &tail{n: 3}
	fmt.Fprintf(tl, "1\n2\n3")
	fmt.Fprintf(tl, "\n4\n5")
	if got := tl.String(); got != "3\n4\n5" {
		t.Errorf("tail = %q", got)
	}
	tl = &tail{n: 2}
	tl.Write(bytes.Repeat([]byte("x"), 5000))
	if got := tl.String(); len(got) != 1024 {
		t.Errorf("a long line kept %d bytes, want 1024", len(got))
	}
}
