package guest

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"vsc/executor/guest/walls"
	"vsc/internal/nsenter"
	"vsc/ir"
)

// limits are what the host's root sets on a guest's processes, as it
// starts them: the per-process rlimits (raising one needs CAP_SYS_RESOURCE
// of the host, which the guest's root lacks) and the nice value (below 0
// needs the host's CAP_SYS_NICE). The supervisor sets them on the init
// (prlimit; the nice value is the cloning thread's), and vsc exec's
// constructor on itself before it joins the guest.
type limits struct {
	Rlimits []rlimit `json:"rlimits,omitempty"`
	Nice    int      `json:"nice,omitempty"`
}

type rlimit struct {
	Resource   string `json:"resource"`
	Soft, Hard uint64
}

// inherit are the walls every process of a guest inherits, which a
// process applies to itself just before it executes the guest's program
// (the init, and a command of vsc exec): the capability bounding set, a
// Landlock domain for a guest on the host's network, and the syscall
// filter, last.
type inherit struct {
	Drop   []string `json:"drop,omitempty"`
	Deny   []string `json:"deny,omitempty"`
	Compat bool     `json:"compat,omitempty"`
	Scope  bool     `json:"scope,omitempty"` // keep it from the abstract unix sockets of the host
}

func (s *sequence) limits() limits {
	l := limits{Nice: s.init.Nice}
	for _, r := range s.rlimits {
		l.Rlimits = append(l.Rlimits, rlimit{Resource: r.Resource, Soft: r.Soft, Hard: r.Hard})
	}
	return l
}

func (s *sequence) inherit() inherit {
	var w inherit
	if s.caps != nil {
		w.Drop = s.caps.Drop
	}
	if s.seccomp != nil {
		w.Deny, w.Compat = s.seccomp.Deny, s.seccomp.Compat
	}
	w.Scope = s.confine != nil
	return w
}

// prlimit sets the rlimits on process pid.
func (l *limits) prlimit(pid int) error {
	for _, r := range l.Rlimits {
		n, ok := rlimits[r.Resource]
		if !ok {
			return fmt.Errorf("rlimit.set: unknown resource %q", r.Resource)
		}
		if err := unix.Prlimit(pid, n, &unix.Rlimit{Cur: r.Soft, Max: r.Hard}, nil); err != nil {
			return fmt.Errorf("cannot set rlimit %s to %s:%s: %w", r.Resource, limitText(r.Soft), limitText(r.Hard), err)
		}
	}
	return nil
}

// env encodes the limits for vsc exec's constructor: "nice=N" and
// "R=SOFT:HARD" (R a resource's number), separated by ';'.
func (l *limits) env() string {
	parts := []string{"nice=" + strconv.Itoa(l.Nice)}
	for _, r := range l.Rlimits {
		if n, ok := rlimits[r.Resource]; ok {
			parts = append(parts, fmt.Sprintf("%d=%d:%d", n, r.Soft, r.Hard))
		}
	}
	return strings.Join(parts, ";")
}

func limitText(v uint64) string {
	if v == math.MaxUint64 {
		return "unlimited"
	}
	return fmt.Sprint(v)
}

// prepare assembles the syscall filter, before anything of the guest's
// runs.
func (w *inherit) prepare() ([]bpf.RawInstruction, error) {
	if len(w.Deny) == 0 {
		return nil, errors.New("no syscall filter: the guest's plan has no seccomp.set")
	}
	return walls.Filter(w.Deny, w.Compat)
}

// adoptNofile tells the Go runtime that the process's RLIMIT_NOFILE,
// set from outside by the supervisor's prlimit after the runtime started
// (and saved its own), is the one to keep in what it executes.
func adoptNofile() {
	var nofile syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &nofile); err == nil {
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &nofile)
	}
}

// apply applies the walls to the calling thread, which must execute the
// guest's program next, holding its OS thread: the bounding set and the
// Landlock domain are per thread (the filter is loaded on every
// thread). What the kernel lacks is said on warn.
func (w *inherit) apply(filter []bpf.RawInstruction, warn io.Writer) error {
	if err := dropBounding(w.Drop); err != nil {
		return err
	}
	if w.Scope {
		ok, err := walls.ScopeAbstractUnix()
		if err != nil {
			return fmt.Errorf("cannot keep the guest from the host's abstract unix sockets: %w", err)
		}
		if !ok {
			fmt.Fprintln(warn, "vsc: this kernel cannot scope abstract unix sockets (Landlock ABI 6, Linux 6.12): this guest shares the host's network and can reach the host's abstract unix sockets")
		}
	}
	return walls.LoadFilter(filter)
}

// constructorEnv encodes the walls for vsc exec's constructor, which
// applies them itself (package nsenter, EnvExec): the capabilities by
// number, the Landlock scope, the assembled filter in hex of struct
// sock_filter (host order).
func (w *inherit) constructorEnv() ([]string, error) {
	filter, err := w.prepare()
	if err != nil {
		return nil, err
	}
	var caps []string
	for _, name := range w.Drop {
		n, ok := ir.Capability(name)
		if !ok {
			return nil, fmt.Errorf("caps.drop: unknown capability %q", name)
		}
		caps = append(caps, strconv.Itoa(n))
	}
	raw := make([]byte, 0, 8*len(filter))
	for _, ins := range filter {
		raw = binary.NativeEndian.AppendUint16(raw, ins.Op)
		raw = append(raw, ins.Jt, ins.Jf)
		raw = binary.NativeEndian.AppendUint32(raw, ins.K)
	}
	scope := "0"
	if w.Scope {
		scope = "1"
	}
	return []string{nsenter.EnvCaps + "=" + strings.Join(caps, ","), nsenter.EnvScope + "=" + scope,
		nsenter.EnvFilter + "=" + hex.EncodeToString(raw)}, nil
}
