package executor

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"vsc/ir"
)

func init() { register(ir.KindMount, mountHandler{}) }

// mountHandler applies mount: `mount -t TYPE -o OPTIONS SOURCE TARGET`.
// Mounts carry no mark: vsc knows its mounts by its record. The mount
// table is the executor's own mount namespace's (/proc/self/mountinfo).
//
// A source that is a regular file is attached to a free loop device
// first, as `mount -o loop` does, with LO_FLAGS_AUTOCLEAR: the loop device
// goes away by itself when the filesystem is unmounted (or when the mount
// fails), so unmounting is the whole undo and nothing is left behind.
type mountHandler struct{}

func (mountHandler) key(b ir.Body) string { return "mount:" + b.(*ir.Mount).Target }

func (mountHandler) observe(h *Host, bodies []ir.Body) (map[string]live, error) {
	table, err := readMountinfo()
	if err != nil {
		return nil, err
	}
	// The candidates for each target: the plan's op and the record's.
	cands := map[string][]*ir.Mount{}
	var targets []string
	for _, b := range bodies {
		m := b.(*ir.Mount)
		if _, ok := cands[m.Target]; !ok {
			targets = append(targets, m.Target)
		}
		cands[m.Target] = append(cands[m.Target], m)
	}
	out := map[string]live{}
	for _, target := range targets {
		e := table.at(target)
		if e == nil {
			continue
		}
		got := liveMount(target, e)
		// The kernel shows options its own way (size=1m as size=1024k,
		// pquota as prjquota) and adds its defaults: a live mount that
		// satisfies an op is shown as that op, so that a rollback
		// re-creates exactly what vsc made.
		for _, c := range cands[target] {
			if (mountHandler{}).same(c, got) {
				cp := *c
				got = &cp
				break
			}
		}
		out["mount:"+target] = live{body: got}
	}
	return out, nil
}

// same: the source and type match, and every option the op asks for holds
// on the live mount.
func (mountHandler) same(want, got ir.Body) bool {
	w, g := want.(*ir.Mount), got.(*ir.Mount)
	return w.Target == g.Target && w.Type == g.Type && sameSource(w.Source, g.Source) && optionsHold(w.Options, g.Options)
}

func (mountHandler) precheck(h *Host, b ir.Body, w *world) error {
	m := b.(*ir.Mount)
	// Later prechecks (a project id under this target) judge the
	// filesystem this mount brings, not the one under it.
	var errs []string
	if pendingMountOf(w, filepath.Dir(m.Target)) == nil {
		// Under a mount this run makes, the folder can only be checked
		// once that filesystem is there.
		fi, err := os.Stat(m.Target)
		switch {
		case errors.Is(err, os.ErrNotExist):
			errs = append(errs, fmt.Sprintf("the mount point %s does not exist (create the folder first)", m.Target))
		case err != nil:
			errs = append(errs, fmt.Sprintf("cannot read the mount point: %v", err))
		case !fi.IsDir():
			errs = append(errs, fmt.Sprintf("the mount point %s is not a folder", m.Target))
		}
	}
	nodev, known, err := kernelFilesystem(m.Type)
	switch {
	case err != nil:
		errs = append(errs, err.Error())
	case !known:
		errs = append(errs, fmt.Sprintf("the kernel has no %s filesystem: it is not in /proc/filesystems and no module provides it (fs-%s)", m.Type, m.Type))
	}
	if !nodev {
		if err := checkSource(m.Source); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if o := quotaOption(m.Options); o != "" {
		if err := quotaSupport(m.Type); err != nil {
			errs = append(errs, fmt.Sprintf("%v: %s cannot be mounted with %s", err, m.Type, o))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// checkSource says why a block filesystem's source cannot be mounted.
func checkSource(source string) error {
	if !filepath.IsAbs(source) {
		return fmt.Errorf("the source %s is not the path of a device or an image (UUID= and LABEL= are mount(8)'s: name the device, as /dev/disk/by-uuid/… or /dev/disk/by-label/…)", source)
	}
	fi, err := os.Stat(source)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("the source %s does not exist", source)
	case err != nil:
		return fmt.Errorf("cannot read the source: %v", err)
	case fi.Mode()&os.ModeDevice != 0 && fi.Mode()&os.ModeCharDevice == 0:
		return nil
	case fi.Mode().IsRegular():
		if _, err := os.Stat(loopControl); err != nil {
			return fmt.Errorf("the source %s is a regular file, which needs a loop device, but the kernel has none (%s: %v; CONFIG_BLK_DEV_LOOP)", source, loopControl, errors.Unwrap(err))
		}
		return nil
	}
	return fmt.Errorf("the source %s is neither a block device nor a regular file", source)
}

func (mountHandler) create(h *Host, b ir.Body) error {
	m := b.(*ir.Mount)
	flags, data := mountArgs(m.Options)
	source := m.Source
	if isImage(m) {
		loop, err := attachLoop(source, flags&unix.MS_RDONLY != 0)
		if err != nil {
			return err
		}
		// Closed once mounted: the mount holds the device from then on,
		// and when the mount fails, this close detaches it.
		defer loop.Close()
		source = loop.Name()
	}
	if err := unix.Mount(source, m.Target, m.Type, flags, data); err != nil {
		return fmt.Errorf("mount(2) of %s on %s: %w", source, m.Target, err)
	}
	return nil
}

// isImage tells whether a mount's source is a filesystem image: a
// regular file, named by its path, of a filesystem that lives on a block
// device (tmpfs's source is only a name, whatever file it may match).
func isImage(m *ir.Mount) bool {
	if !filepath.IsAbs(m.Source) {
		return false
	}
	if nodev, _, _ := kernelFilesystem(m.Type); nodev {
		return false
	}
	fi, err := os.Stat(m.Source)
	return err == nil && fi.Mode().IsRegular()
}

func (mountHandler) remove(h *Host, b ir.Body) error {
	m := b.(*ir.Mount)
	if err := unix.Unmount(m.Target, unix.UMOUNT_NOFOLLOW); err != nil {
		return fmt.Errorf("umount2(2) of %s: %w", m.Target, err)
	}
	return nil
}

// liveMount is a mount table entry in the form of the op that would make
// it.
func liveMount(target string, e *mountEntry) *ir.Mount {
	m := &ir.Mount{Source: e.Source, Target: target, Type: e.FSType}
	if file := loopBackingFile(e); file != "" {
		m.Source = file
	}
	seen := map[string]bool{}
	for _, o := range append(append([]string(nil), e.Options...), e.SuperOptions...) {
		// seclabel is shown by SELinux, never given.
		if o == "" || seen[o] || o == "seclabel" {
			continue
		}
		seen[o] = true
		m.Options = append(m.Options, o)
	}
	return m
}

// sameSource tells whether two sources name one thing: the same string,
// or two paths to one device or file (/dev/vg/x and /dev/mapper/vg-x).
func sameSource(a, b string) bool {
	if a == b {
		return true
	}
	if !filepath.IsAbs(a) || !filepath.IsAbs(b) {
		return false
	}
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(fa, fb)
}

// Mount options. The well-known ones are flags of mount(2), shown in the
// mount table's per-mount or per-superblock options; the others go to the
// filesystem as data, and the filesystem shows them back, sometimes its
// own way (aliases, sizes).

// mountFlag is an option that sets or clears a mount(2) flag. shows is the
// name the mount table gives the flag when it is set; an option that
// clears it holds when that name is absent.
type mountFlag struct {
	flag  uintptr
	set   bool
	shows []string
}

var mountFlags = map[string]mountFlag{
	"ro":          {unix.MS_RDONLY, true, []string{"ro"}},
	"rw":          {unix.MS_RDONLY, false, []string{"ro"}},
	"nosuid":      {unix.MS_NOSUID, true, []string{"nosuid"}},
	"suid":        {unix.MS_NOSUID, false, []string{"nosuid"}},
	"nodev":       {unix.MS_NODEV, true, []string{"nodev"}},
	"dev":         {unix.MS_NODEV, false, []string{"nodev"}},
	"noexec":      {unix.MS_NOEXEC, true, []string{"noexec"}},
	"exec":        {unix.MS_NOEXEC, false, []string{"noexec"}},
	"sync":        {unix.MS_SYNCHRONOUS, true, []string{"sync"}},
	"async":       {unix.MS_SYNCHRONOUS, false, []string{"sync"}},
	"dirsync":     {unix.MS_DIRSYNC, true, []string{"dirsync"}},
	"noatime":     {unix.MS_NOATIME, true, []string{"noatime"}},
	"atime":       {unix.MS_NOATIME, false, []string{"noatime"}},
	"nodiratime":  {unix.MS_NODIRATIME, true, []string{"nodiratime"}},
	"diratime":    {unix.MS_NODIRATIME, false, []string{"nodiratime"}},
	"relatime":    {unix.MS_RELATIME, true, []string{"relatime"}},
	"norelatime":  {unix.MS_RELATIME, false, []string{"relatime"}},
	"strictatime": {unix.MS_STRICTATIME, true, nil}, // shown as neither noatime nor relatime
	"lazytime":    {unix.MS_LAZYTIME, true, []string{"lazytime"}},
	"nolazytime":  {unix.MS_LAZYTIME, false, []string{"lazytime"}},
	"mand":        {unix.MS_MANDLOCK, true, []string{"mand"}},
	"nomand":      {unix.MS_MANDLOCK, false, []string{"mand"}},
	"nosymfollow": {unix.MS_NOSYMFOLLOW, true, []string{"nosymfollow"}},
	"symfollow":   {unix.MS_NOSYMFOLLOW, false, []string{"nosymfollow"}},
	"silent":      {unix.MS_SILENT, true, nil},
	"loud":        {unix.MS_SILENT, false, nil},
}

// userOptions are fstab's and mount(8)'s own: never given to the kernel,
// never shown by it. A regular file source is attached to a loop device
// with or without "loop".
var userOptions = map[string]bool{
	"defaults": true, "auto": true, "noauto": true, "nofail": true, "_netdev": true,
	"user": true, "nouser": true, "users": true, "owner": true, "group": true, "loop": true,
}

func isUserOption(o string) bool { return userOptions[o] || strings.HasPrefix(o, "x-") }

// optionAliases maps options the kernel shows under another name to that
// name: XFS shows pquota as prjquota, and so on.
var optionAliases = map[string]string{
	"pquota": "prjquota", "uquota": "usrquota", "quota": "usrquota", "gquota": "grpquota",
	"qnoenforce": "uqnoenforce",
}

// quotaOption returns the option of a mount that asks for project quotas,
// or "".
func quotaOption(opts []string) string {
	for _, o := range opts {
		switch o {
		case "prjquota", "pquota", "pqnoenforce":
			return o
		}
	}
	return ""
}

// mountArgs splits options into mount(2)'s flags and data.
func mountArgs(opts []string) (flags uintptr, data string) {
	var rest []string
	for _, o := range opts {
		if f, ok := mountFlags[o]; ok {
			if f.set {
				flags |= f.flag
			} else {
				flags &^= f.flag
			}
			continue
		}
		if !isUserOption(o) {
			rest = append(rest, o)
		}
	}
	return flags, strings.Join(rest, ",")
}

// optionsHold tells whether every option of want holds given the options
// a live mount shows (have).
func optionsHold(want, have []string) bool {
	shown := map[string]string{} // name → value
	for _, o := range have {
		k, v := optionKV(o)
		shown[k] = v
	}
	for _, o := range want {
		if isUserOption(o) {
			continue
		}
		if f, ok := mountFlags[o]; ok {
			if o == "strictatime" {
				if _, ok := shown["noatime"]; ok {
					return false
				}
				if _, ok := shown["relatime"]; ok {
					return false
				}
				continue
			}
			present := false
			for _, s := range f.shows {
				if _, ok := shown[s]; ok {
					present = true
				}
			}
			if f.shows != nil && present != f.set {
				return false
			}
			continue
		}
		k, v := optionKV(o)
		got, ok := shown[k]
		if !ok || !sameOptionValue(v, got) {
			return false
		}
	}
	return true
}

// optionKV splits an option into its name (alias resolved) and value.
func optionKV(o string) (string, string) {
	k, v, _ := strings.Cut(o, "=")
	if a, ok := optionAliases[k]; ok {
		k = a
	}
	return k, v
}

// sameOptionValue compares option values as numbers when both are, with
// the k/m/g/t suffixes the kernel uses: tmpfs shows size=1m as
// size=1024k, and mode=0755 as mode=755.
func sameOptionValue(a, b string) bool {
	if a == b {
		return true
	}
	na, ok1 := optionNumber(a)
	nb, ok2 := optionNumber(b)
	return ok1 && ok2 && na == nb
}

func optionNumber(s string) (uint64, bool) {
	mult := uint64(1)
	if s == "" {
		return 0, false
	}
	switch s[len(s)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	case 't', 'T':
		mult = 1 << 40
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > ^uint64(0)/mult {
		return 0, false
	}
	return n * mult, true
}

// The mount table.

// mountEntry is one line of /proc/PID/mountinfo (proc_pid_mountinfo(5)):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
type mountEntry struct {
	ID, Parent   int
	Major, Minor uint32
	Root         string   // the folder of the filesystem that is mounted
	Point        string   // where, from this process's root
	Options      []string // per-mount options
	Optional     []string // shared:N, master:N, propagate_from:N, unbindable
	FSType       string
	Source       string
	SuperOptions []string
}

type mountTable []mountEntry

func readMountinfo() (mountTable, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	return parseMountinfo(data)
}

// parseMountinfo parses the mount table in the kernel's format, with the
// octal escapes (\040 for a space) of paths and options undone.
func parseMountinfo(data []byte) (mountTable, error) {
	var out mountTable
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		e, err := parseMountLine(line)
		if err != nil {
			return nil, fmt.Errorf("mountinfo line %d: %w", n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mountinfo: %w", err)
	}
	return out, nil
}

func parseMountLine(line string) (mountEntry, error) {
	var e mountEntry
	f := strings.Split(line, " ")
	sep := -1
	for i := 6; i < len(f); i++ {
		if f[i] == "-" {
			sep = i
			break
		}
	}
	if len(f) < 10 || sep < 0 || len(f) != sep+4 {
		return e, fmt.Errorf("want 6 fields, optional fields, '-' and 3 fields, got %q", line)
	}
	var err error
	if e.ID, err = strconv.Atoi(f[0]); err != nil {
		return e, fmt.Errorf("mount id %q: not a number", f[0])
	}
	if e.Parent, err = strconv.Atoi(f[1]); err != nil {
		return e, fmt.Errorf("parent id %q: not a number", f[1])
	}
	maj, min, ok := strings.Cut(f[2], ":")
	ma, err1 := strconv.ParseUint(maj, 10, 32)
	mi, err2 := strconv.ParseUint(min, 10, 32)
	if !ok || err1 != nil || err2 != nil {
		return e, fmt.Errorf("device %q: want MAJOR:MINOR", f[2])
	}
	e.Major, e.Minor = uint32(ma), uint32(mi)
	e.Root = unescapeMount(f[3])
	e.Point = unescapeMount(f[4])
	e.Options = splitMountOptions(f[5])
	for _, o := range f[6:sep] {
		e.Optional = append(e.Optional, unescapeMount(o))
	}
	e.FSType = unescapeMount(f[sep+1])
	e.Source = unescapeMount(f[sep+2])
	e.SuperOptions = splitMountOptions(f[sep+3])
	return e, nil
}

func splitMountOptions(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = unescapeMount(p)
	}
	return parts
}

// unescapeMount undoes the kernel's \ooo escapes (of space, tab, newline,
// backslash and, in options, comma); a backslash not followed by three
// octal digits of a byte stays as it is.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctalByte(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctalByte(s string) bool {
	return len(s) == 3 && s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7'
}

// at returns the mount on top at target (the last one mounted there), or
// nil. A target reached through a symbolic link is shown resolved.
func (t mountTable) at(target string) *mountEntry {
	points := []string{target}
	if r, err := filepath.EvalSymlinks(target); err == nil && r != target {
		points = append(points, r)
	}
	for i := len(t) - 1; i >= 0; i-- {
		for _, p := range points {
			if t[i].Point == p {
				return &t[i]
			}
		}
	}
	return nil
}

// holding returns the mount of the filesystem that holds path, which
// exists: the last mounted whose device is path's and whose mount point is
// path or one of its parents.
func (t mountTable) holding(path string) (*mountEntry, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	var best *mountEntry
	for i := range t {
		e := &t[i]
		if e.Major != unix.Major(st.Dev) || e.Minor != unix.Minor(st.Dev) || !within(resolved, e.Point) {
			continue
		}
		if best == nil || len(e.Point) >= len(best.Point) {
			best = e
		}
	}
	if best == nil {
		return nil, fmt.Errorf("no mount of device %d:%d holds %s in /proc/self/mountinfo", unix.Major(st.Dev), unix.Minor(st.Dev), path)
	}
	return best, nil
}

// within tells whether path is dir or below it.
func within(path, dir string) bool {
	return path == dir || dir == "/" || strings.HasPrefix(path, dir+"/")
}

// The kernel's filesystems and loop devices.

// kernelFilesystem tells whether the kernel has a filesystem type (in
// /proc/filesystems, or as a module it would load on mount), and whether
// it is a nodev one (tmpfs, proc…) whose source is only a name.
func kernelFilesystem(typ string) (nodev, known bool, err error) {
	data, err := os.ReadFile("/proc/filesystems")
	if err != nil {
		return false, false, fmt.Errorf("cannot list the kernel's filesystems: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		flag, name, ok := strings.Cut(line, "\t")
		if ok && name == typ {
			return flag == "nodev", true, nil
		}
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		release := unix.ByteSliceToString(u.Release[:])
		aliases, _ := os.ReadFile(filepath.Join("/lib/modules", release, "modules.alias"))
		if bytes.Contains(aliases, []byte("\nalias fs-"+typ+" ")) {
			return false, true, nil
		}
	}
	return false, false, nil
}

const loopControl = "/dev/loop-control"

// attachLoop attaches a file to a free loop device that detaches itself
// once nothing holds it (LO_FLAGS_AUTOCLEAR). The caller mounts the
// device, then closes it.
func attachLoop(file string, readOnly bool) (*os.File, error) {
	ctl, err := os.OpenFile(loopControl, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("loop device for %s: %w", file, err)
	}
	defer ctl.Close()
	mode, flags := os.O_RDWR, uint32(unix.LO_FLAGS_AUTOCLEAR)
	if readOnly {
		mode, flags = os.O_RDONLY, flags|unix.LO_FLAGS_READ_ONLY
	}
	backing, err := os.OpenFile(file, mode, 0)
	if err != nil {
		return nil, err
	}
	defer backing.Close()
	for range 8 {
		n, err := unix.IoctlRetInt(int(ctl.Fd()), unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return nil, fmt.Errorf("LOOP_CTL_GET_FREE: %w", err)
		}
		dev, err := os.OpenFile(fmt.Sprintf("/dev/loop%d", n), mode, 0)
		if err != nil {
			return nil, fmt.Errorf("loop device for %s: %w", file, err)
		}
		cfg := unix.LoopConfig{Fd: uint32(backing.Fd())}
		cfg.Info.Flags = flags
		copy(cfg.Info.File_name[:unix.LO_NAME_SIZE-1], file)
		err = unix.IoctlLoopConfigure(int(dev.Fd()), &cfg)
		if err == nil {
			return dev, nil
		}
		dev.Close()
		if !errors.Is(err, unix.EBUSY) {
			return nil, fmt.Errorf("LOOP_CONFIGURE of %s with %s: %w", dev.Name(), file, err)
		}
		// Taken by someone else since GET_FREE: ask again.
	}
	return nil, fmt.Errorf("loop device for %s: every free loop device was taken meanwhile", file)
}

// loopBackingFile returns the file behind a mount's loop device when the
// device detaches itself (as vsc attaches them): that file, not the
// device, is the mount's source. "" otherwise.
func loopBackingFile(e *mountEntry) string {
	if !strings.HasPrefix(e.Source, "/dev/loop") {
		return ""
	}
	sys := fmt.Sprintf("/sys/dev/block/%d:%d/loop/", e.Major, e.Minor)
	auto, err := os.ReadFile(sys + "autoclear")
	if err != nil || strings.TrimSpace(string(auto)) != "1" {
		return ""
	}
	file, err := os.ReadFile(sys + "backing_file")
	name := strings.TrimSuffix(string(file), "\n")
	if err != nil || strings.HasSuffix(name, " (deleted)") {
		return ""
	}
	return name
}

// pendingMountOf returns the mount the run makes, before this point, of
// the filesystem that will hold path, or nil.
func pendingMountOf(w *world, path string) *ir.Mount {
	if w == nil {
		return nil
	}
	var best *ir.Mount
	for _, m := range w.mounts {
		if within(path, m.Target) && (best == nil || len(m.Target) >= len(best.Target)) {
			best = m
		}
	}
	return best
}
