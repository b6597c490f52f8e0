package guest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"vsc/ir"
)

// startPhases are the hook phases of the start sequence; the others
// (pre_stop, post_stop) belong to the stop.
var startPhases = map[string]bool{"initialize": true, "prepre_start": true, "pre_start": true, "post_start": true}

// runHooks runs the hooks of a phase, in order, stopping at the first
// that fails.
func runHooks(s *sequence, phase string, out io.Writer) error {
	for _, op := range s.hooks[phase] {
		if err := runHook(op, s, out); err != nil {
			return err
		}
	}
	return nil
}

// runHook runs a hook.run op on the host: sh -c COMMAND in /, with the
// caller's environment and VSC_GUEST, VSC_ROOT, VSC_CONTEXT, VSC_PHASE,
// VSC_HOST and VSC_STATE_DIR. Its output goes to out; the end of it is in the error when
// it fails.
func runHook(op *ir.Op, s *sequence, out io.Writer) error {
	h := op.Body.(*ir.HookRun)
	cmd := exec.Command("/bin/sh", "-c", h.Command)
	cmd.Dir = "/"
	cmd.Env = append(hostEnv(),
		"VSC_GUEST="+h.Guest, "VSC_ROOT="+s.init.Root,
		"VSC_CONTEXT="+strconv.Itoa(s.ns.Context), "VSC_PHASE="+h.Phase)
	cmd.Env = append(cmd.Env, s.hookEnv...)
	var tail tailBuffer
	w := io.MultiWriter(out, &tail)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		msg := fmt.Sprintf("%s hook %q (%s) failed: %v", h.Phase, h.Command, op.Origin, err)
		if t := strings.TrimSpace(tail.String()); t != "" {
			msg += "; its output ends with:\n" + t
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

// hostEnv is the environment of the process without vsc's internal
// variables.
func hostEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "_VSC_") {
			out = append(out, kv)
		}
	}
	return out
}

// tailBuffer keeps the last 2 KiB written to it.
type tailBuffer struct{ b bytes.Buffer }

const tailMax = 2048

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b.Write(p)
	if t.b.Len() > 2*tailMax {
		keep := append([]byte(nil), t.b.Bytes()[t.b.Len()-tailMax:]...)
		t.b.Reset()
		t.b.Write(keep)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	b := t.b.Bytes()
	if len(b) > tailMax {
		b = b[len(b)-tailMax:]
	}
	return string(b)
}
