package build

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestBusyboxTemplate builds a real guest from the busybox template and
// runs its shell inside it (chroot only: the start sequence is not this
// package's).
func TestBusyboxTemplate(t *testing.T) {
	needRoot(t)
	if _, err := os.Stat(BusyboxPath); err != nil {
		t.Skip("SKIP: no static busybox at /bin/busybox (apt-get install busybox-static)")
	}
	p := newPlace(t)
	var tarball bytes.Buffer
	if err := BusyboxTemplate(&tarball); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	BusyboxTemplate(&again)
	if !bytes.Equal(tarball.Bytes(), again.Bytes()) {
		t.Error("two busybox templates differ")
	}
	op := p.op("template")
	op.Archive = p.archive(t, "busybox", gzipped(t, tarball.Bytes()))
	if err := Build(op, Options{Out: logWriter{t}, Hostname: "bb.example"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"bin/busybox", "etc/init.d/rc"} {
		if st := lstat(t, filepath.Join(p.root, f)); st.Mode&0o111 == 0 {
			t.Errorf("/%s is not executable", f)
		}
	}
	if l, _ := os.Readlink(filepath.Join(p.root, "sbin/init")); l != "../bin/busybox" {
		t.Errorf("/sbin/init → %q", l)
	}
	for _, d := range []string{"proc", "sys", "tmp", "run", "root"} {
		if st := lstat(t, filepath.Join(p.root, d)); st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
			t.Errorf("/%s is not a folder", d)
		}
	}
	checkDev(t, p.root)

	cmd := exec.Command("/bin/sh", "-c", `cat /etc/hostname; ls /bin/sh; id -u; sh -n /etc/init.d/rc && echo rc-ok; echo x > /dev/null && echo null-ok`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: p.root}
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/bin:/sbin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sh in the guest: %v\n%s", err, out)
	}
	if want := "bb.example\n/bin/sh\n0\nrc-ok\nnull-ok\n"; string(out) != want {
		t.Errorf("sh in the guest said %q, want %q", out, want)
	}
}

// TestBusyboxRC: the template's init stops at once on TERM.
func TestBusyboxRC(t *testing.T) {
	if _, err := os.Stat(BusyboxPath); err != nil {
		t.Skip("SKIP: no static busybox at /bin/busybox (apt-get install busybox-static)")
	}
	rc := filepath.Join(t.TempDir(), "rc")
	os.WriteFile(rc, []byte(busyboxRC), 0o755)
	cmd := exec.Command(BusyboxPath, "sh", rc, "3")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Let it reach its wait before the signal.
	select {
	case err := <-done:
		t.Fatalf("rc ended by itself: %v", err)
	case <-timeAfter(300):
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil && !strings.Contains(err.Error(), "exit status 0") {
			t.Errorf("rc on TERM: %v", err)
		}
	case <-timeAfter(5000):
		cmd.Process.Kill()
		t.Fatal("rc still runs 5 s after TERM")
	}
}

func TestBusyboxDynamic(t *testing.T) {
	if err := static("/bin/true"); err == nil || !strings.Contains(err.Error(), "dynamically linked") {
		t.Skipf("SKIP: /bin/true is not a dynamic program here (%v)", err)
	}
}
