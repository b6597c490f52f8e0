package guest

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"vsc/ir"
)

// dropBounding removes the capabilities from the calling thread's
// bounding set (PR_CAPBSET_DROP), which a program it executes keeps:
// the caller must hold its OS thread until it executes. A capability the
// running kernel does not know is not there to drop.
func dropBounding(names []string) error {
	last := lastCap()
	for _, name := range names {
		n, ok := ir.Capability(name)
		if !ok {
			return fmt.Errorf("caps.drop: unknown capability %q", name)
		}
		if n > last {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(n), 0, 0, 0); err != nil {
			return fmt.Errorf("cannot drop capability %s from the bounding set: %w", name, err)
		}
	}
	return nil
}

// lastCap is the highest capability number of the running kernel.
func lastCap() int {
	data, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
			return n
		}
	}
	return unix.CAP_LAST_CAP
}

// rlimits numbers the resources of rlimit.set by prlimit's names.
var rlimits = map[string]int{
	"as": unix.RLIMIT_AS, "core": unix.RLIMIT_CORE, "cpu": unix.RLIMIT_CPU,
	"data": unix.RLIMIT_DATA, "fsize": unix.RLIMIT_FSIZE, "locks": unix.RLIMIT_LOCKS,
	"memlock": unix.RLIMIT_MEMLOCK, "msgqueue": unix.RLIMIT_MSGQUEUE, "nice": unix.RLIMIT_NICE,
	"nofile": unix.RLIMIT_NOFILE, "nproc": unix.RLIMIT_NPROC, "rss": unix.RLIMIT_RSS,
	"rtprio": unix.RLIMIT_RTPRIO, "rttime": unix.RLIMIT_RTTIME,
	"sigpending": unix.RLIMIT_SIGPENDING, "stack": unix.RLIMIT_STACK,
}
