package executor

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Some tests need a process of their own: one killed with SIGKILL in the
// middle of an apply, two applies racing for the lock, a scenario run in
// a private mount namespace. They re-execute this test binary with
// VSC_TEST_CHILD naming a function of children, which runs instead of
// the tests and exits with its return value.
var children = map[string]func() int{}

func TestMain(m *testing.M) {
	if name := os.Getenv("VSC_TEST_CHILD"); name != "" {
		f, ok := children[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "no test child %q\n", name)
			os.Exit(2)
		}
		os.Exit(f())
	}
	os.Exit(m.Run())
}

// child returns a command running the test child name with extra
// environment variables.
func child(name string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "VSC_TEST_CHILD="+name), env...)
	return cmd
}
