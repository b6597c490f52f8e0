package guest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"vsc/executor"
	"vsc/internal/statedir"
	"vsc/ir"
)

// Options say where guests keep their state and how they run.
type Options struct {
	// StateDir holds a folder per host; executor.DefaultStateDir when
	// empty. A guest's state is in <StateDir>/<host>/guests/NAME/.
	StateDir string
	// NetNS aims the guest's addresses at that named network namespace
	// (executor.Options.NetNS); the guest's processes stay in the host's
	// network namespace unless its ns.new has net.
	NetNS string
	// CgroupParent is the parent of the guest's cgroup in each hierarchy
	// (DefaultCgroupParent when empty); without a leading slash it is
	// taken below the cgroup of the process that starts the guest.
	CgroupParent string
	// Reboot overrides the guest's reboot.action, which its plan's
	// init.exec carries: restart (when both are empty), halt or none.
	Reboot string
	// Timeout is how long a stop gives the guest's init after SIGTERM
	// before SIGKILL; DefaultTimeout when 0.
	Timeout time.Duration
	// Force has a stop go on when a pre_stop hook fails.
	Force bool
	// Out receives the output of the stop hooks; nil discards it.
	Out io.Writer
	// Waiting is told when another start or stop of the guest holds its
	// lock, before waiting for it.
	Waiting func()
}

// DefaultTimeout is how long a stop waits for the init after SIGTERM.
const DefaultTimeout = 10 * time.Second

// stateDir is the state dir, absolute: the supervisor runs in /, and
// the record names mounts under it.
func (o *Options) stateDir() string {
	if o.StateDir == "" {
		return executor.DefaultStateDir
	}
	if abs, err := filepath.Abs(o.StateDir); err == nil {
		return abs
	}
	return o.StateDir
}

func (o *Options) out() io.Writer {
	if o.Out == nil {
		return io.Discard
	}
	return o.Out
}

// Start starts guest name of plan p (verified) and returns its record
// once the guest's init runs and its post_start hooks succeeded. The
// guest runs under a supervisor that outlives the caller; its log is the
// file "log" of the guest's state folder (Dir). A start that fails has
// undone every step it did, except the guest's addresses (host state, as
// vsc apply makes it: the executor records them and vsc apply or destroy
// removes them). Start refuses a guest that is running.
func Start(p *ir.Plan, name string, o Options) (*Record, error) {
	gp, err := GuestPlan(p, name)
	if err != nil {
		return nil, err
	}
	reboot := o.Reboot
	if reboot == "" {
		// The plan carries it (init.exec); Options.Reboot overrides it.
		for _, op := range gp.Ops {
			if ie, ok := op.Body.(*ir.InitExec); ok {
				reboot = ie.Reboot
			}
		}
	}
	switch reboot {
	case "":
		reboot = "restart"
	case "restart", "halt", "none":
	default:
		return nil, fmt.Errorf("reboot action %q is not restart, halt or none", reboot)
	}
	parent := o.CgroupParent
	if parent == "" {
		parent = DefaultCgroupParent
	}
	dir := Dir(o.stateDir(), p.Host, name)
	unlock, err := lock(o.stateDir(), dir, o.Waiting)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := cleanStale(dir, name); err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(dir, stoppingMark))

	log, err := statedir.OpenFile(filepath.Join(dir, logFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	specR, specW, err := os.Pipe()
	if err != nil {
		log.Close()
		return nil, err
	}
	repR, repW, err := os.Pipe()
	if err != nil {
		log.Close()
		specR.Close()
		specW.Close()
		return nil, err
	}
	defer repR.Close()
	cmd := reexec("supervise", name)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = specR, log, log
	cmd.ExtraFiles = []*os.File{repW}
	cmd.Dir = "/"
	// Its own session: the supervisor outlives the terminal and the
	// command that started it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	specR.Close()
	repW.Close()
	log.Close()
	if err != nil {
		specW.Close()
		return nil, fmt.Errorf("cannot start the guest's supervisor: %w", err)
	}
	// Reap the supervisor if this process outlives it.
	ended := make(chan struct{})
	go func() {
		cmd.Wait()
		close(ended)
	}()
	go func() {
		json.NewEncoder(specW).Encode(spec{Name: name, StateDir: o.stateDir(), NetNS: o.NetNS,
			CgroupParent: parent, Reboot: reboot, Plan: gp})
		specW.Close()
	}()
	var rep startReport
	if err := json.NewDecoder(repR).Decode(&rep); err != nil {
		return nil, fmt.Errorf("the supervisor of guest %s ended without a word: see %s", name, filepath.Join(dir, logFile))
	}
	if rep.Error != "" {
		// It has undone the start: a failed start is over when it ends.
		select {
		case <-ended:
		case <-time.After(10 * time.Second):
		}
		return nil, errors.New(rep.Error)
	}
	return readRecord(dir)
}

// cleanStale refuses a running guest, and undoes what a supervisor that
// died left. The caller holds the guest's lock.
func cleanStale(dir, name string) error {
	r, err := readRecord(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.Supervisor.Alive() && !r.Init.Alive() {
		// Its guest has ended: the supervisor is ending too (it may still
		// be in its exit when its init, killed by its death, is gone).
		waitExit(r.Supervisor, 5*time.Second)
	}
	if r.Supervisor.Alive() {
		return fmt.Errorf("guest %s is running already (init %d, supervisor %d)", name, r.Init.PID, r.Supervisor.PID)
	}
	if err := undo(r, dir); err != nil {
		return fmt.Errorf("guest %s: cannot undo what its last run left (its supervisor %d died): %w", name, r.Supervisor.PID, err)
	}
	return nil
}
