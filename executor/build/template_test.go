package build

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// guestArchive is a small guest with what extraction must keep (owners,
// modes, setuid, mtimes, symlinks, hard links) and what it must drop
// (device nodes, a FIFO, an old /dev).
func guestArchive(t testing.TB) []byte {
	return makeTar(t,
		ent{typ: tar.TypeDir, name: "./"},
		ent{typ: tar.TypeDir, name: "./etc/"},
		ent{typ: tar.TypeReg, name: "./etc/motd", body: "hello\n", mode: 0o640, uid: 1000, gid: 1001},
		ent{typ: tar.TypeDir, name: "bin/", mode: 0o711},
		ent{typ: tar.TypeReg, name: "bin/busybox", body: "#!/bin/true\n", mode: 0o755},
		ent{typ: tar.TypeReg, name: "bin/su", body: "su", mode: 0o4755},
		ent{typ: tar.TypeSymlink, name: "bin/sh", link: "busybox", uid: 7, gid: 8},
		ent{typ: tar.TypeSymlink, name: "etc/localtime", link: "/usr/share/zoneinfo/UTC"},
		ent{typ: tar.TypeLink, name: "usr/share/motd", link: "etc/motd"},
		ent{typ: tar.TypeDir, name: "dev/"},
		ent{typ: tar.TypeChar, name: "dev/mem", major: 1, minor: 1},
		ent{typ: tar.TypeBlock, name: "dev/sda", major: 8, minor: 0},
		ent{typ: tar.TypeReg, name: "dev/MAKEDEV", body: "x"},
		ent{typ: tar.TypeFifo, name: "run/initctl"},
		ent{typ: tar.TypeDir, name: "var/tmp/", mode: 0o1777},
	)
}

func checkGuest(t *testing.T, root string) {
	t.Helper()
	if got := readFile(t, filepath.Join(root, "etc/motd")); got != "hello\n" {
		t.Errorf("etc/motd = %q", got)
	}
	st := lstat(t, filepath.Join(root, "etc/motd"))
	if st.Uid != 1000 || st.Gid != 1001 || st.Mode&0o7777 != 0o640 {
		t.Errorf("etc/motd: uid %d gid %d mode %#o, want 1000 1001 0640", st.Uid, st.Gid, st.Mode&0o7777)
	}
	if st.Mtim.Sec != testTime.Unix() {
		t.Errorf("etc/motd mtime %d, want %d", st.Mtim.Sec, testTime.Unix())
	}
	if st.Nlink != 2 {
		t.Errorf("etc/motd has %d links, want 2", st.Nlink)
	}
	if st2 := lstat(t, filepath.Join(root, "usr/share/motd")); st2.Ino != st.Ino {
		t.Errorf("usr/share/motd is not a hard link of etc/motd")
	}
	if m := lstat(t, filepath.Join(root, "bin/su")).Mode & 0o7777; m != 0o4755 {
		t.Errorf("bin/su mode %#o, want 04755 (setuid kept)", m)
	}
	if m := lstat(t, filepath.Join(root, "bin")).Mode & 0o7777; m != 0o711 {
		t.Errorf("bin mode %#o, want 0711", m)
	}
	if st := lstat(t, filepath.Join(root, "bin")); st.Mtim.Sec != testTime.Unix() {
		t.Errorf("bin mtime %d, want %d (set after its content)", st.Mtim.Sec, testTime.Unix())
	}
	if m := lstat(t, filepath.Join(root, "var/tmp")).Mode & 0o7777; m != 0o1777 {
		t.Errorf("var/tmp mode %#o, want 01777", m)
	}
	if l, _ := os.Readlink(filepath.Join(root, "bin/sh")); l != "busybox" {
		t.Errorf("bin/sh → %q, want busybox", l)
	}
	if st := lstat(t, filepath.Join(root, "bin/sh")); st.Uid != 7 || st.Gid != 8 {
		t.Errorf("bin/sh owner %d:%d, want 7:8", st.Uid, st.Gid)
	}
	if l, _ := os.Readlink(filepath.Join(root, "etc/localtime")); l != "/usr/share/zoneinfo/UTC" {
		t.Errorf("etc/localtime → %q", l)
	}
	for _, gone := range []string{"dev/mem", "dev/sda", "dev/MAKEDEV", "run/initctl"} {
		if exists(filepath.Join(root, gone)) {
			t.Errorf("/%s is in the guest; want it dropped", gone)
		}
	}
	checkDev(t, root)
	if got := readFile(t, filepath.Join(root, "etc/hostname")); got != "web.example\n" {
		t.Errorf("etc/hostname = %q", got)
	}
}

func TestTemplateFormats(t *testing.T) {
	needRoot(t)
	plain := guestArchive(t)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"plain", plain},
		{"gzip", gzipped(t, plain)},
		{"xz", xzed(t, plain)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlace(t)
			op := p.op("template")
			// The name says gzip whatever the content: the magic decides.
			op.Archive = p.archive(t, "guest.gz", tc.data)
			var out bytes.Buffer
			if err := Build(op, Options{Out: &out, Hostname: "web.example"}); err != nil {
				t.Fatalf("Build: %v\n%s", err, out.String())
			}
			t.Log(out.String())
			checkGuest(t, p.root)
			for _, want := range []string{"tar archive (" + tc.name + ")", "dropped /dev/sda (block 8:0)", "dropped /dev/mem (char 1:1)", "dropped /run/initctl (fifo)"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q", want)
				}
			}
			p.checkCanary(t)
		})
	}
}

// TestTemplateXzProgram reads an archive the real xz made.
func TestTemplateXzProgram(t *testing.T) {
	needRoot(t)
	if _, err := exec.LookPath("xz"); err != nil {
		t.Skip("SKIP: no xz program to make an archive with (apt-get install xz-utils)")
	}
	p := newPlace(t)
	cmd := exec.Command("xz", "-c")
	cmd.Stdin = bytes.NewReader(guestArchive(t))
	data, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	op := p.op("template")
	op.Archive = p.archive(t, "guest", data)
	if err := Build(op, Options{Out: logWriter{t}, Hostname: "web.example"}); err != nil {
		t.Fatal(err)
	}
	checkGuest(t, p.root)
}

// TestTemplateHostile: every way out of the root is refused, the build
// fails, its partial root goes, and nothing is written outside.
func TestTemplateHostile(t *testing.T) {
	needRoot(t)
	var passwd unix.Stat_t
	if err := unix.Stat("/etc/passwd", &passwd); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		ents func(p place) []ent
	}{
		{"dotdot", func(p place) []ent {
			return []ent{{typ: tar.TypeReg, name: "../outside/evil", body: "x"}}
		}},
		{"dotdot inside", func(p place) []ent {
			return []ent{{typ: tar.TypeDir, name: "a/"}, {typ: tar.TypeReg, name: "a/../../../outside/evil", body: "x"}}
		}},
		{"absolute", func(p place) []ent {
			return []ent{{typ: tar.TypeReg, name: filepath.Join(p.canary, "evil"), body: "x"}}
		}},
		{"symlink out then a file under it", func(p place) []ent {
			return []ent{{typ: tar.TypeSymlink, name: "link", link: p.canary}, {typ: tar.TypeReg, name: "link/evil", body: "x"}}
		}},
		{"relative symlink out", func(p place) []ent {
			return []ent{{typ: tar.TypeSymlink, name: "link", link: "../../outside"}, {typ: tar.TypeReg, name: "link/evil", body: "x"}}
		}},
		{"symlink out then a folder under it", func(p place) []ent {
			return []ent{{typ: tar.TypeSymlink, name: "link", link: p.canary}, {typ: tar.TypeDir, name: "link/evil/"}}
		}},
		{"symlink to .. chain", func(p place) []ent {
			return []ent{
				{typ: tar.TypeSymlink, name: "up", link: ".."},
				{typ: tar.TypeDir, name: "d/"},
				{typ: tar.TypeSymlink, name: "d/up2", link: "../up"},
				{typ: tar.TypeReg, name: "d/up2/../outside/evil", body: "x"}, // cleaned: d/outside/evil, inside
				{typ: tar.TypeReg, name: "d/up2/up/outside/evil", body: "x"},
			}
		}},
		{"symlink chain to a file outside", func(p place) []ent {
			return []ent{
				{typ: tar.TypeSymlink, name: "a", link: "b"},
				{typ: tar.TypeSymlink, name: "b", link: "../.."},
				{typ: tar.TypeDir, name: "a/outside/sub/"},
			}
		}},
		{"/etc a symlink out, for /etc/hostname", func(p place) []ent {
			return []ent{{typ: tar.TypeSymlink, name: "etc", link: p.canary}}
		}},
		{"hard link to /etc/passwd", func(p place) []ent {
			return []ent{{typ: tar.TypeLink, name: "passwd", link: "/etc/passwd"}}
		}},
		{"hard link by ..", func(p place) []ent {
			return []ent{{typ: tar.TypeLink, name: "passwd", link: "../../../../../../../etc/passwd"}}
		}},
		{"hard link through a symlink", func(p place) []ent {
			return []ent{{typ: tar.TypeSymlink, name: "etc", link: "/etc"}, {typ: tar.TypeLink, name: "passwd", link: "etc/passwd"}}
		}},
		{"hard link to a file not in the archive", func(p place) []ent {
			return []ent{{typ: tar.TypeLink, name: "passwd", link: "etc/passwd"}}
		}},
		{"the root replaced by a symlink", func(p place) []ent {
			return []ent{{typ: tar.TypeSymlink, name: "./", link: p.canary}, {typ: tar.TypeReg, name: "evil", body: "x"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlace(t)
			op := p.op("template")
			op.Archive = p.archive(t, "hostile", makeTar(t, tc.ents(p)...))
			var out bytes.Buffer
			err := Build(op, Options{Out: &out})
			t.Logf("%v\n%s", err, out.String())
			if err == nil {
				t.Fatal("Build of a hostile archive succeeded")
			}
			p.checkCanary(t)
			if exists(p.root) {
				t.Errorf("partial root %s left behind", p.root)
			}
			if !strings.Contains(err.Error(), "removed") {
				t.Errorf("error does not say the partial root was removed: %v", err)
			}
			var now unix.Stat_t
			unix.Stat("/etc/passwd", &now)
			if now.Nlink != passwd.Nlink {
				t.Errorf("/etc/passwd links %d → %d", passwd.Nlink, now.Nlink)
			}
		})
	}
}

// TestTemplateReplacesSymlink: a file entry at the path of a symlink the
// archive made replaces the symlink; it is not written through it.
func TestTemplateReplacesSymlink(t *testing.T) {
	needRoot(t)
	p := newPlace(t)
	op := p.op("template")
	op.Archive = p.archive(t, "a", makeTar(t,
		ent{typ: tar.TypeSymlink, name: "f", link: filepath.Join(p.canary, "f")},
		ent{typ: tar.TypeReg, name: "f", body: "inside"},
		ent{typ: tar.TypeSymlink, name: "dev", link: "/dev"},
	))
	if err := Build(op, Options{Out: logWriter{t}}); err != nil {
		t.Fatal(err)
	}
	p.checkCanary(t)
	if got := readFile(t, filepath.Join(p.root, "f")); got != "inside" {
		t.Errorf("f = %q", got)
	}
	// /dev was a symlink to the host's: replaced by the minimal one.
	checkDev(t, p.root)
}

// TestTemplateDevice: device nodes are dropped, not an error.
func TestTemplateDevice(t *testing.T) {
	needRoot(t)
	p := newPlace(t)
	op := p.op("template")
	op.Archive = p.archive(t, "a", makeTar(t,
		ent{typ: tar.TypeChar, name: "dev/kmem", major: 1, minor: 2},
		ent{typ: tar.TypeBlock, name: "var/disk", major: 8, minor: 1},
	))
	var out bytes.Buffer
	if err := Build(op, Options{Out: &out}); err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(p.root, "var/disk")) || exists(filepath.Join(p.root, "dev/kmem")) {
		t.Error("a device node of the archive is in the guest")
	}
	if !strings.Contains(out.String(), "dropped /var/disk (block 8:1)") {
		t.Errorf("output does not list the dropped node:\n%s", out.String())
	}
}
