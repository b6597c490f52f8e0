package build

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"vsc/ir"
)

// yumPackages is the package set `-m yum` installs: a minimal system that
// can manage its own packages afterwards.
var yumPackages = []string{"basesystem", "filesystem", "bash", "coreutils", "rpm", "yum"}

// tailLines is how many of a failing tool's last output lines its error
// carries.
const tailLines = 20

// debootstrap runs `debootstrap --variant=minbase DIST ROOT [MIRROR]`.
// util-vserver ignored its failure; here it fails the build, with the
// tool's last lines and those of its debootstrap.log.
func debootstrap(op *ir.GuestBuild, out io.Writer) error {
	prog, err := exec.LookPath("debootstrap")
	if err != nil {
		return errors.New("debootstrap is not installed (Debian package debootstrap: apt-get install debootstrap); install it or choose another build method")
	}
	args := []string{"--variant=minbase", op.Distribution, op.Root}
	if op.Mirror != "" {
		args = append(args, op.Mirror)
	}
	err = run(prog, args, out)
	if err != nil {
		if log := lastLines(filepath.Join(op.Root, "debootstrap", "debootstrap.log"), tailLines); log != "" {
			err = fmt.Errorf("%w\nthe end of its debootstrap.log:\n%s", err, log)
		}
	}
	return err
}

// yum runs `yum --installroot=ROOT --releasever=DIST -y install PACKAGES`,
// or dnf, which replaced yum (Debian ships dnf, not yum), with the same
// options. The repositories are the host's yum/dnf configuration.
func yum(op *ir.GuestBuild, out io.Writer) error {
	prog, err := exec.LookPath("yum")
	if err != nil {
		if prog, err = exec.LookPath("dnf"); err != nil {
			return errors.New("neither yum nor dnf is installed (Debian package dnf: apt-get install dnf; Debian has no yum package); install one or choose another build method")
		}
	}
	args := append([]string{"--installroot=" + op.Root, "--releasever=" + op.Distribution, "-y", "install"}, yumPackages...)
	return run(prog, args, out)
}

// run runs a build tool with its output going to out, and fails loudly:
// the command, its exit status and its last lines.
func run(prog string, args []string, out io.Writer) error {
	cmdline := filepath.Base(prog) + " " + strings.Join(args, " ")
	fmt.Fprintf(out, "running %s\n", cmdline)
	tail := &tail{n: tailLines}
	cmd := exec.Command(prog, args...)
	cmd.Stdout = io.MultiWriter(out, tail)
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		msg := fmt.Sprintf("%s failed: %v", cmdline, err)
		if s := tail.String(); s != "" {
			msg += "; its last lines:\n" + s
		}
		return errors.New(msg)
	}
	return nil
}

// A tail keeps the last n lines written to it, each cut at 1 KiB.
type tail struct {
	n     int
	lines []string
	cur   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	for _, c := range p {
		if c == '\n' {
			t.push()
			continue
		}
		if len(t.cur) < 1024 {
			t.cur = append(t.cur, c)
		}
	}
	return len(p), nil
}

func (t *tail) push() {
	t.lines = append(t.lines, string(t.cur))
	t.cur = t.cur[:0]
	if len(t.lines) > t.n {
		t.lines = t.lines[len(t.lines)-t.n:]
	}
}

func (t *tail) String() string {
	lines := t.lines
	if len(t.cur) > 0 {
		lines = append(lines[:len(lines):len(lines)], string(t.cur))
		if len(lines) > t.n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// lastLines is the last n lines of a file, "" when it cannot be read.
func lastLines(name string, n int) string {
	data, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	t := &tail{n: n}
	t.Write(bytes.TrimRight(data, "\n"))
	return t.String()
}
