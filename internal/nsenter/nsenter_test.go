package nsenter

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The constructor runs in this test binary too: run again with EnvDir
// naming a folder without namespace files, it fails before the Go
// runtime starts, with ExitFailed and a message; without EnvDir it does
// nothing. (Joining a guest for real is tested in package
// vsc/executor/guest, which runs commands in started guests.)
func TestConstructor(t *testing.T) {
	if !Enabled {
		t.Skip("SKIP: built without cgo: no constructor")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), EnvDir+"="+dir)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitFailed {
		t.Fatalf("with %s=%s: %v, want exit status %d\n%s", EnvDir, dir, err, ExitFailed, out)
	}
	if want := "vsc: cannot enter the guest: open " + dir + "/pid: No such file or directory"; !strings.Contains(string(out), want) {
		t.Errorf("output %q lacks %q", out, want)
	}

	cmd = exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), EnvDir+"=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("with %s empty: %v\n%s", EnvDir, err, out)
	}
}
