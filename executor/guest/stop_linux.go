package guest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"vsc/internal/statedir"
)

// Stop stops guest name of host from its record alone — never from a
// plan or a configuration, which may have changed since it started: it
// runs the recorded pre_stop hooks, sends the init SIGTERM, then SIGKILL
// after o.Timeout, waits for the supervisor to tear the guest down, runs
// the recorded post_stop hooks, and checks that nothing of the guest is
// left (process, cgroup, namespace file, record). A failing pre_stop
// hook stops nothing unless o.Force. Stop fails with ErrNotRunning for
// a guest that is not running; if it was left half-torn-down by a
// supervisor that died, that is undone first.
func Stop(host, name string, o Options) error {
	dir := Dir(o.stateDir(), host, name)
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("guest %s is %w", name, ErrNotRunning)
	}
	unlock, err := lock(o.stateDir(), dir, o.Waiting)
	if err != nil {
		return err
	}
	defer unlock()
	r, err := readRecord(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("guest %s is %w", name, ErrNotRunning)
	}
	if err != nil {
		return err
	}
	if !r.Supervisor.Alive() {
		if err := undo(r, dir); err != nil {
			return fmt.Errorf("guest %s is not running, and what its supervisor left cannot be undone: %w", name, err)
		}
		return fmt.Errorf("guest %s is %w (its supervisor had died: what it left is undone now)", name, ErrNotRunning)
	}
	seq, err := parse(r.Plan)
	if err != nil {
		return err
	}
	seq.withState(o.stateDir(), host)
	if err := runHooks(seq, "pre_stop", o.out()); err != nil {
		if !o.Force {
			return fmt.Errorf("%w\nThe guest keeps running: fix the hook, or stop with --force", err)
		}
		fmt.Fprintf(o.out(), "vsc: %v; stopping anyway (--force)\n", err)
	}
	mark := filepath.Join(dir, stoppingMark)
	if err := statedir.WriteFile(mark, nil); err != nil {
		return err
	}
	defer os.Remove(mark)

	timeout := o.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	var errs []error
	if r.Init.Alive() && !terminate(r.Init, timeout) {
		fmt.Fprintf(o.out(), "vsc: guest %s: init %d still runs %s after SIGTERM: sent SIGKILL\n", name, r.Init.PID, timeout)
		if !waitExit(r.Init, 10*time.Second) {
			errs = append(errs, fmt.Errorf("init %d survives SIGKILL", r.Init.PID))
		}
	}
	if !waitExit(r.Supervisor, 30*time.Second) {
		errs = append(errs, fmt.Errorf("its supervisor %d did not end: killed", r.Supervisor.PID))
		syscall.Kill(r.Supervisor.PID, syscall.SIGKILL)
		waitExit(r.Supervisor, 10*time.Second)
	}
	// The supervisor's teardown removed the record; if it is still
	// there, the teardown failed or did not happen: do it here.
	if r2, err := readRecord(dir); err == nil {
		if err := undo(r2, dir); err != nil {
			errs = append(errs, err)
		}
	}
	if err := runHooks(seq, "post_stop", o.out()); err != nil {
		errs = append(errs, err)
	}
	if left := leftovers(r, dir); len(left) > 0 {
		errs = append(errs, fmt.Errorf("left behind: %s", strings.Join(left, "; ")))
	}
	if len(errs) > 0 {
		return fmt.Errorf("guest %s: %w", name, errors.Join(errs...))
	}
	return nil
}

// leftovers lists what is left of a guest that was recorded as r: its
// processes, cgroups, namespace files and record.
func leftovers(r *Record, dir string) []string {
	var out []string
	if r.Init.Alive() {
		out = append(out, fmt.Sprintf("init %d", r.Init.PID))
	}
	for _, d := range r.Cgroups {
		if _, err := os.Stat(d); err == nil {
			out = append(out, "cgroup "+d)
		}
	}
	if mps, _ := mountsUnder(filepath.Join(dir, nsDir)); len(mps) > 0 {
		out = append(out, "mounts "+strings.Join(mps, ", "))
	}
	if _, err := os.Stat(filepath.Join(dir, recordFile)); err == nil {
		out = append(out, filepath.Join(dir, recordFile))
	}
	return out
}

// terminate sends the init SIGTERM, and SIGKILL if it still runs after
// timeout; it reports whether TERM was enough. A pid 1 gets only the
// signals it handles, and an init just started may not handle TERM yet:
// TERM is sent again every termEvery until the init ends or the timeout.
func terminate(init Proc, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		syscall.Kill(init.PID, syscall.SIGTERM)
		wait := min(termEvery, time.Until(deadline))
		if wait <= 0 {
			break
		}
		if waitExit(init, wait) {
			return true
		}
	}
	if init.Alive() {
		syscall.Kill(init.PID, syscall.SIGKILL)
		return false
	}
	return true
}

const termEvery = 200 * time.Millisecond
