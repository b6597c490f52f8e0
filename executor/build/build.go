package build

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"vsc/ir"
)

// Options tune a build.
type Options struct {
	Keep bool      // keep a partial root when the build fails (--keep)
	Out  io.Writer // progress lines and the output of debootstrap/yum; nil discards them
	// Hostname for /etc/hostname (the plan's uts.set nodename for the
	// guest); "" → the guest's name.
	Hostname string
}

// Build makes the guest's root by op's method, then its minimal /dev and
// its /etc/hostname. It refuses a root that exists and is not empty. When
// it fails, it removes what it made of the root (unless o.Keep) and says
// so in its error.
func Build(op *ir.GuestBuild, o Options) error {
	if op == nil {
		return errors.New("build: no guest.build op")
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	if !filepath.IsAbs(op.Root) || filepath.Clean(op.Root) != op.Root || op.Root == "/" {
		return fmt.Errorf("build %s: root %q must be an absolute, clean path other than /", op.Guest, op.Root)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("build %s: needs root (device nodes, owners of the guest's files)", op.Guest)
	}
	hostname := o.Hostname
	if hostname == "" {
		hostname = op.Guest
	}
	start := time.Now()
	created, err := prepareRoot(op.Root)
	if err != nil {
		return fmt.Errorf("build %s: %w", op.Guest, err)
	}
	fmt.Fprintf(out, "build %s: %s into %s\n", op.Guest, describe(op), op.Root)

	err = build(op, hostname, out)
	if err == nil {
		fmt.Fprintf(out, "build %s: done in %s\n", op.Guest, time.Since(start).Round(time.Millisecond))
		return nil
	}
	if o.Keep {
		fmt.Fprintf(out, "build %s: failed; partial root %s kept (--keep)\n", op.Guest, op.Root)
		return fmt.Errorf("build %s: %w (partial root kept at %s)", op.Guest, err, op.Root)
	}
	if rerr := removeRoot(op.Root, created, out); rerr != nil {
		return fmt.Errorf("build %s: %w; removing the partial root %s failed too: %v", op.Guest, err, op.Root, rerr)
	}
	what := "removed"
	if !created {
		what = "emptied"
	}
	fmt.Fprintf(out, "build %s: failed; partial root %s %s\n", op.Guest, op.Root, what)
	return fmt.Errorf("build %s: %w (partial root %s %s)", op.Guest, err, op.Root, what)
}

// build runs the method, then gives every guest what each method ends
// with.
func build(op *ir.GuestBuild, hostname string, out io.Writer) error {
	t, err := openTree(op.Root)
	if err != nil {
		return err
	}
	defer t.close()
	switch op.Method {
	case "template":
		err = template(op.Archive, t, out)
	case "rsync", "clone":
		err = copyTree(op.Source, t, out)
	case "skeleton":
		err = skeleton(t)
	case "debootstrap":
		err = debootstrap(op, out)
	case "yum":
		err = yum(op, out)
	default:
		err = fmt.Errorf("unknown build method %q", op.Method)
	}
	if err != nil {
		return err
	}
	if op.Method == "debootstrap" || op.Method == "yum" {
		// Both mount /proc (and debootstrap sometimes /dev) inside the
		// root while they work; what they leave mounted is not the guest's.
		if err := unmountUnder(op.Root, out); err != nil {
			return err
		}
	}
	if err := mountPoints(t); err != nil {
		return err
	}
	if err := makeDev(t, out); err != nil {
		return fmt.Errorf("minimal /dev: %w", err)
	}
	if err := writeHostname(t, hostname); err != nil {
		return fmt.Errorf("/etc/hostname: %w", err)
	}
	fmt.Fprintf(out, "build %s: minimal /dev, /etc/hostname %q\n", op.Guest, hostname)
	return nil
}

func describe(op *ir.GuestBuild) string {
	switch op.Method {
	case "template":
		return "template " + op.Archive
	case "rsync", "clone":
		return op.Method + " from " + op.Source
	case "debootstrap", "yum":
		return op.Method + " " + op.Distribution
	}
	return op.Method
}

// prepareRoot makes the root folder, or takes an empty one. It reports
// whether it made it, so that a failed build removes only what it made.
func prepareRoot(root string) (created bool, err error) {
	fi, err := os.Lstat(root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(root), 0o755); err != nil {
			return false, err
		}
		if err := os.Mkdir(root, 0o755); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return false, fmt.Errorf("root %s exists and is not empty; remove it or choose another root", root)
			}
			return false, err
		}
		return true, os.Chmod(root, 0o755)
	case err != nil:
		return false, err
	case fi.Mode()&fs.ModeSymlink != 0:
		return false, fmt.Errorf("root %s is a symlink; give the folder it points to as the root", root)
	case !fi.IsDir():
		return false, fmt.Errorf("root %s exists and is not a folder; remove it or choose another root", root)
	}
	names, err := dirNames(root)
	if err != nil {
		return false, err
	}
	for _, name := range names {
		// A fresh ext4 filesystem mounted as the root holds an empty
		// lost+found: that root is still empty.
		if name == "lost+found" {
			if sub, err := dirNames(filepath.Join(root, name)); err == nil && len(sub) == 0 {
				continue
			}
		}
		return false, fmt.Errorf("root %s exists and is not empty; remove it or choose another root", root)
	}
	return false, nil
}

func dirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// removeRoot undoes a failed build: it unmounts what is mounted under the
// root, then removes the root if the build made it, or empties it (an
// empty lost+found aside) if it was there before.
func removeRoot(root string, created bool, out io.Writer) error {
	if err := unmountUnder(root, out); err != nil {
		return err
	}
	t, err := openTree(root)
	if err != nil {
		return err
	}
	defer t.close()
	fd, err := unix.Openat(t.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var keep map[string]bool
	if !created {
		keep = map[string]bool{}
		if sub, err := dirNames(filepath.Join(root, "lost+found")); err == nil && len(sub) == 0 {
			keep["lost+found"] = true
		}
	}
	if _, err := empty(fd, t.dev, keep); err != nil {
		return err
	}
	if created {
		return os.Remove(root)
	}
	return nil
}

// unmountUnder unmounts (lazily, deepest first) every mount strictly
// under root, from the mount namespace this process runs in.
func unmountUnder(root string, out io.Writer) error {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	mounts, err := mountsUnder(real)
	if err != nil {
		return err
	}
	for _, m := range slices.Backward(mounts) {
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil && err != unix.EINVAL {
			return fmt.Errorf("unmount %s: %w", m, err)
		}
		fmt.Fprintf(out, "unmounted %s (left by the build)\n", m)
	}
	return nil
}

// mountsUnder lists the mount points strictly under dir, in mount order.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mounts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMountinfo(fields[4])
		if strings.HasPrefix(mp, dir+"/") {
			mounts = append(mounts, mp)
		}
	}
	return mounts, sc.Err()
}

// unescapeMountinfo undoes the kernel's octal escapes (\040 for a space,
// \011, \012, \134) in a mountinfo path.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// mountPoints makes the folders the start sequence mounts on by default,
// /proc (0555) and /tmp (1777), when the method left them out. It does not
// touch them when they exist.
func mountPoints(t *tree) error {
	for _, d := range []struct {
		name string
		mode uint32
	}{{"proc", 0o555}, {"tmp", 0o1777}} {
		var st unix.Stat_t
		err := unix.Fstatat(t.fd, d.name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == nil {
			continue
		}
		if err != unix.ENOENT {
			return &os.PathError{Op: "stat", Path: t.path(d.name), Err: err}
		}
		if err := mkdirat(t.fd, d.name, d.mode); err != nil {
			return &os.PathError{Op: "mkdir", Path: t.path(d.name), Err: err}
		}
	}
	return nil
}
