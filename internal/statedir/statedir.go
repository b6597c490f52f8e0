// Package statedir is how vsc trusts its state dir: the folder where it
// keeps what it made on a host (records, journals, locks), which a run as
// root reads to decide what to remove, signal or enter. A record forged
// there by another user would make root act on that user's say, so — as
// sshd's StrictModes and sudo do with their files — vsc refuses a state
// dir, or a file in it, that someone other than the user running vsc
// could have written.
//
// The rules, for the state dir (the root given with --state-dir, and
// every folder under it down to the one used):
//
//   - owned by the user running vsc (its effective uid), and not writable
//     by group or others;
//   - made 0700 when missing;
//
// for every folder above the state dir, up to /: owned by root or by the
// user, and not writable by group or others unless sticky (as /tmp is:
// then only a folder's owner may rename or remove what is in it); and for
// every file vsc reads or writes in it: a regular file (not a symbolic
// link), owned by the user and not writable by group or others.
package statedir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	osuser "os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Prepare makes dir (a folder under the state dir root, or root itself)
// with mode 0700 where it is missing, then checks that root, dir and
// what lies between and above them can be trusted. Its error names the
// path, its owner and its mode, and says how to fix them.
func Prepare(root, dir string) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	if dir != root && !strings.HasPrefix(dir, root+string(filepath.Separator)) {
		return fmt.Errorf("internal error: %s is not under the state dir %s", dir, root)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	if err := checkPath(root, dir); err != nil {
		return err
	}
	// Through a symbolic link, the folders it leads to are the ones used:
	// they must pass too.
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	if real != dir {
		realRoot, err := filepath.EvalSymlinks(root)
		if err != nil {
			return fmt.Errorf("state dir: %w", err)
		}
		return checkPath(realRoot, real)
	}
	return nil
}

// checkPath checks every folder from / down to dir: those above root by
// the rule for parents, root and those below by the rule for the state
// dir.
func checkPath(root, dir string) error {
	for p := dir; ; p = filepath.Dir(p) {
		st, err := stat(p, os.Stat)
		if err != nil {
			return err
		}
		inside := p == root || strings.HasPrefix(p, root+string(filepath.Separator))
		if inside {
			if err := own(p, st, "the state dir"); err != nil {
				return err
			}
		} else if err := parent(p, st); err != nil {
			return err
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// info is what the rules look at of a file.
type info struct {
	uid  int
	mode fs.FileMode
}

func stat(p string, f func(string) (fs.FileInfo, error)) (info, error) {
	fi, err := f(p)
	if err != nil {
		return info{}, fmt.Errorf("state dir: %w", err)
	}
	return info{uid: int(fi.Sys().(*syscall.Stat_t).Uid), mode: fi.Mode()}, nil
}

// own is the rule for the state dir and its files.
func own(p string, st info, what string) error {
	euid := os.Geteuid()
	switch {
	case st.uid != euid:
		return fmt.Errorf("refusing %s %s: it is owned by %s, not by %s, who runs vsc (mode %s); another user could have written what vsc would act on. Make it yours (chown %s %s) or choose another --state-dir",
			what, p, user(st.uid), user(euid), st.mode.Perm(), chownName(euid), p)
	case st.mode.Perm()&0o022 != 0:
		return fmt.Errorf("refusing %s %s: its mode %s lets %s write in it (owner %s); another user could have written what vsc would act on. Restrict it (chmod go-w %s) or choose another --state-dir",
			what, p, st.mode.Perm(), writers(st.mode), user(st.uid), p)
	}
	return nil
}

// parent is the rule for the folders above the state dir.
func parent(p string, st info) error {
	euid := os.Geteuid()
	switch {
	case st.uid != 0 && st.uid != euid:
		return fmt.Errorf("refusing the state dir under %s: that folder is owned by %s, neither root nor %s, who runs vsc (mode %s); its owner could replace the state dir. Choose a --state-dir whose parents root or you own",
			p, user(st.uid), user(euid), st.mode.Perm())
	case st.mode.Perm()&0o022 != 0 && st.mode&fs.ModeSticky == 0:
		return fmt.Errorf("refusing the state dir under %s: that folder's mode %s lets %s replace what is in it (owner %s). Restrict it (chmod go-w %s) or choose another --state-dir",
			p, st.mode.Perm(), writers(st.mode), user(st.uid), p)
	}
	return nil
}

// writers says who a mode lets write besides the owner.
func writers(m fs.FileMode) string {
	switch m.Perm() & 0o022 {
	case 0o022:
		return "group and others"
	case 0o020:
		return "its group"
	}
	return "others"
}

// user names a uid: its name where /etc/passwd has one, and the number.
func user(uid int) string {
	if name := userName(uid); name != "" {
		return fmt.Sprintf("%s (uid %d)", name, uid)
	}
	return fmt.Sprintf("uid %d", uid)
}

// chownName is how chown(1) is told a uid: its name, else its number.
func chownName(uid int) string {
	if name := userName(uid); name != "" {
		return name
	}
	return fmt.Sprint(uid)
}

// userName is a uid's user name, "" when it has none.
func userName(uid int) string {
	u, err := osuser.LookupId(strconv.Itoa(uid))
	if err != nil {
		return ""
	}
	return u.Username
}

// OpenFile opens a file of the state dir as os.OpenFile does, refusing
// a symbolic link and, once open, a file the rules do not trust.
func OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, flag|unix.O_NOFOLLOW, perm)
	if errors.Is(err, unix.ELOOP) {
		return nil, fmt.Errorf("refusing %s in the state dir: it is a symbolic link, which vsc never follows there", name)
	}
	if err != nil {
		return nil, err
	}
	st, err := stat(name, func(string) (fs.FileInfo, error) { return f.Stat() })
	if err == nil && !st.mode.IsRegular() {
		err = fmt.Errorf("refusing %s in the state dir: it is not a regular file (mode %s)", name, st.mode)
	}
	if err == nil {
		err = own(name, st, "the state file")
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadFile reads a file of the state dir as os.ReadFile does, through
// OpenFile's checks; a missing file is an error that wraps
// fs.ErrNotExist.
func ReadFile(name string) ([]byte, error) {
	f, err := OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// WriteFile writes a file of the state dir as os.WriteFile does (mode
// 0600), through OpenFile's checks: never through a symbolic link.
func WriteFile(name string, data []byte) error {
	f, err := OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
