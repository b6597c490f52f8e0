package guest

import (
	"errors"
	"fmt"
	"math"
	"syscall"

	"golang.org/x/sys/unix"
)

// limits are what every process of a guest gets besides its namespaces
// and cgroup: the per-process rlimits, the nice value and the capability
// bounding set. The guest's init gets them before it is executed, and a
// command run inside the guest before it is.
type limits struct {
	Rlimits []rlimit `json:"rlimits,omitempty"`
	Nice    int      `json:"nice,omitempty"`
	Drop    []string `json:"drop,omitempty"`
}

type rlimit struct {
	Resource   string `json:"resource"`
	Soft, Hard uint64
}

func (s *sequence) limits() limits {
	l := limits{Nice: s.init.Nice}
	for _, r := range s.rlimits {
		l.Rlimits = append(l.Rlimits, rlimit{Resource: r.Resource, Soft: r.Soft, Hard: r.Hard})
	}
	if s.caps != nil {
		l.Drop = s.caps.Drop
	}
	return l
}

// apply sets the limits on the calling process; the nice value and the
// bounding set are the calling thread's, so the caller must hold its OS
// thread until it executes the guest's program.
func (l *limits) apply() error {
	for _, r := range l.Rlimits {
		n, ok := rlimits[r.Resource]
		if !ok {
			return fmt.Errorf("rlimit.set: unknown resource %q", r.Resource)
		}
		// syscall.Setrlimit, not unix's: it tells the Go runtime not to
		// restore its own RLIMIT_NOFILE in what it executes.
		if err := syscall.Setrlimit(n, &syscall.Rlimit{Cur: r.Soft, Max: r.Hard}); err != nil {
			msg := ""
			if errors.Is(err, unix.EPERM) {
				msg = " (raising a hard limit needs CAP_SYS_RESOURCE, which vsc does not have here)"
			}
			return fmt.Errorf("cannot set rlimit %s to %s:%s: %w%s", r.Resource, limitText(r.Soft), limitText(r.Hard), err, msg)
		}
	}
	if err := unix.Setpriority(unix.PRIO_PROCESS, 0, l.Nice); err != nil {
		return fmt.Errorf("cannot set nice %d: %w", l.Nice, err)
	}
	return dropBounding(l.Drop)
}

func limitText(v uint64) string {
	if v == math.MaxUint64 {
		return "unlimited"
	}
	return fmt.Sprint(v)
}
