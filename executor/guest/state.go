package guest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"vsc/executor"
	"vsc/executor/guest/walls"
	"vsc/internal/statedir"
	"vsc/ir"
)

// A guest's state folder, <state-dir>/<host>/guests/NAME/, holds:
//
//	lock          flock'ed by a start, a stop, and a supervisor restarting
//	              its guest after a reboot
//	started.json  what was started (Record), written step by step while
//	              the guest starts and removed last when it is torn down
//	stopping      present while vsc stop stops the guest
//	ns/           a private bind mount of itself holding bind mounts of
//	              /proc/INIT/ns/{mnt,uts,ipc,pid[,net][,time]}, which
//	              keep the namespaces for vsc exec and vsc enter
//	log           the supervisor's log, with the output of hooks and of
//	              the guest's init
const (
	guestsDir    = "guests"
	lockFile     = "lock"
	recordFile   = "started.json"
	stoppingMark = "stopping"
	nsDir        = "ns"
	logFile      = "log"
)

// Dir returns the state folder of guest name of host.
func Dir(stateDir, host, name string) string {
	return filepath.Join(stateDir, host, guestsDir, name)
}

// Phases of a record.
const (
	phaseStarting = "starting"
	phaseRunning  = "running"
)

// Record is what was started for a guest, in started.json: enough to
// stop it, enter it and report it without any configuration. It is
// written as soon as there is something to undo, then after each step
// that adds to it, so a supervisor that dies leaves a record from which
// the next start or stop undoes what it did.
type Record struct {
	Name  string `json:"name"`
	Host  string `json:"host"`
	Phase string `json:"phase"` // starting, running
	// Plan holds the guest's ops as they were started (see GuestPlan).
	Plan   *ir.Plan `json:"plan"`
	Reboot string   `json:"reboot"` // restart, halt, none
	NetNS  string   `json:"netns,omitempty"`

	Supervisor Proc `json:"supervisor"`
	Init       Proc `json:"init"` // host pid of the guest's pid 1; zero before it is cloned

	// Cgroups are the guest's cgroup folders, one per hierarchy (one on
	// cgroup v2), recorded before they are made.
	Cgroups []string `json:"cgroups,omitempty"`
	// CgroupV2 is the one of Cgroups in a cgroup v2 hierarchy, where a
	// shared guest's socket hooks are attached; "" without one.
	CgroupV2 string `json:"cgroup_v2,omitempty"`
	// Veth is the host end of an isolated guest's veth pair, and Proxies
	// the proxy neighbour entries made for its addresses, recorded before
	// they are made.
	Veth    string        `json:"veth,omitempty"`
	Proxies []walls.Proxy `json:"proxies,omitempty"`
	// NSDir is the ns folder once it is a mount of its own; NS lists the
	// namespace files bound in it.
	NSDir string   `json:"ns_dir,omitempty"`
	NS    []string `json:"ns,omitempty"`

	Root    string    `json:"root"`
	Pivoted bool      `json:"pivoted"` // pivot_root (namespace.cleanup) rather than chroot
	Started time.Time `json:"started"`
	// Restarts counts the restarts after a reboot inside the guest.
	Restarts int `json:"restarts,omitempty"`
}

func readRecord(dir string) (*Record, error) {
	data, err := statedir.ReadFile(filepath.Join(dir, recordFile))
	if err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, recordFile), err)
	}
	if r.Plan == nil {
		return nil, fmt.Errorf("%s: no plan", filepath.Join(dir, recordFile))
	}
	return &r, nil
}

// save writes the record atomically.
func (r *Record) save(dir string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, recordFile+".tmp")
	if err := statedir.WriteFile(tmp, append(data, '\n')); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, recordFile))
}

// running tells a guest whose start finished and whose supervisor and
// init are alive.
func (r *Record) running() bool {
	return r.Phase == phaseRunning && r.Supervisor.Alive() && r.Init.Alive()
}

// enterable tells a guest whose namespaces are kept and whose supervisor
// and init are alive: a running guest, or one whose post_start hooks run
// (and may run vsc exec).
func (r *Record) enterable() bool {
	return len(r.NS) > 0 && r.Supervisor.Alive() && r.Init.Alive()
}

// Proc names a process across pid reuse: its pid and its start time.
type Proc struct {
	PID   int    `json:"pid"`
	Start uint64 `json:"start"` // /proc/PID/stat starttime, clock ticks after boot
}

// procOf reads the identity of a live process.
func procOf(pid int) (Proc, error) {
	start, state, err := procStat(pid)
	if err != nil {
		return Proc{}, err
	}
	if state == 'Z' || state == 'X' {
		return Proc{}, fmt.Errorf("process %d has exited", pid)
	}
	return Proc{PID: pid, Start: start}, nil
}

// Alive tells whether the process still runs (a zombie does not).
func (p Proc) Alive() bool {
	if p.PID <= 0 {
		return false
	}
	start, state, err := procStat(p.PID)
	return err == nil && start == p.Start && state != 'Z' && state != 'X'
}

// procStat reads the start time and state of a process from
// /proc/PID/stat.
func procStat(pid int) (start uint64, state byte, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name may hold spaces and parentheses: the fields start
	// after the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	// f[0] is field 3 (state), so field 22 (starttime) is f[19].
	if len(f) < 20 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	start, err = strconv.ParseUint(f[19], 10, 64)
	return start, f[0][0], err
}

// waitExit waits until the process has exited (or timeout passed; 0
// waits forever) and reports whether it has.
func waitExit(p Proc, timeout time.Duration) bool {
	fd, err := unix.PidfdOpen(p.PID, 0)
	if err != nil {
		return !p.Alive()
	}
	defer unix.Close(fd)
	// The pidfd names whatever process has the pid now: if that is not
	// p, p has exited.
	if !p.Alive() {
		return true
	}
	deadline := time.Now().Add(timeout)
	for {
		ms := -1
		if timeout > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return !p.Alive()
			}
			ms = int(left/time.Millisecond) + 1
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, ms)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return !p.Alive()
		}
		if n > 0 {
			return true
		}
	}
}

// lock takes the lock of the guest's folder dir of the state dir root,
// waiting for the holder when there is one (told once to waiting, if
// set).
func lock(root, dir string, waiting func()) (unlock func(), err error) {
	f, err := executor.LockFile(root, dir, lockFile, func(string) {
		if waiting != nil {
			waiting()
		}
	})
	if err != nil {
		return nil, err
	}
	return func() { f.Close() }, nil
}

// tryLock takes the guest's lock if nobody holds it.
func tryLock(dir string) (unlock func(), ok bool) {
	f, err := statedir.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true
}
