package guest

import (
	"fmt"
	"os"
	"os/exec"

	_ "vsc/internal/nsenter" // the constructor that joins a guest before the Go runtime starts
)

// ReexecCommand is the hidden command of vsc's binary under which the
// supervisor, the guest's init and commands run in a guest re-execute
// it: `vsc __guest MODE ARGS…`. A program that starts guests must call
// Main when it is run with it, before anything else (vsc does it in an
// init function, and tests in TestMain).
const ReexecCommand = "__guest"

// Main runs a re-executed mode (the arguments after ReexecCommand) and
// returns the process's exit status.
func Main(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "vsc __guest: no mode")
		return 2
	}
	switch args[0] {
	case "supervise":
		return superviseMain()
	case "init":
		return initMain()
	case "exec":
		return execMain(args[1:])
	}
	fmt.Fprintf(os.Stderr, "vsc __guest: unknown mode %q\n", args[0])
	return 2
}

// reexec returns a command running this program in a mode. Its argv[0]
// is "vsc" and the name of the guest follows the mode, for ps.
func reexec(mode string, args ...string) *exec.Cmd {
	cmd := exec.Command("/proc/self/exe", append([]string{ReexecCommand, mode}, args...)...)
	cmd.Args[0] = "vsc"
	cmd.Env = hostEnv()
	return cmd
}
