package guest

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"vsc/ir"
)

// A guest's cgroup is PARENT/NAME in each hierarchy: on cgroup v2 (when
// /sys/fs/cgroup/cgroup.controllers exists) the one unified hierarchy;
// on cgroup v1 each hierarchy that has one of the controllers vsc writes
// (cpu, cpuset, memory, pids), so that the guest is accounted and
// limited in all of them. PARENT is DefaultCgroupParent unless the
// options say otherwise; a parent without a leading slash is taken below
// the cgroup of the process that starts the guest, in each hierarchy.
//
// What vsc writes, from cgroup.set:
//
//	                v2             v1
//	cpus, mems      cpuset.cpus    cpuset.cpus, cpuset.mems (copied from
//	                cpuset.mems    the parent when not given: v1 refuses
//	                               tasks in a cpuset without them)
//	cpu_max         cpu.max        cpu.cfs_period_us, cpu.cfs_quota_us
//	cpu_weight      cpu.weight     cpu.shares (weight × 1024 / 100)
//	memory_max      memory.max     memory.limit_in_bytes
//	pids_max        pids.max       pids.max

// DefaultCgroupParent is the parent of the guests' cgroups.
const DefaultCgroupParent = "/vsc"

const cgroupRoot = "/sys/fs/cgroup"

// cgroupControllers are the controllers vsc writes limits to.
var cgroupControllers = []string{"cpu", "cpuset", "memory", "pids"}

// hierarchy is one mounted cgroup hierarchy.
type hierarchy struct {
	mount       string   // where it is mounted
	v2          bool     // cgroup2
	controllers []string // the controllers vsc writes to in it; nil: all (v2 alone)
	own         string   // the cgroup of this process in it, "/…"
}

func (h hierarchy) has(c string) bool {
	return h.controllers == nil || slices.Contains(h.controllers, c)
}

// hierarchies lists the hierarchies a guest's cgroup is made in. v2 is
// true when cgroup v2 is the only hierarchy (mounted at /sys/fs/cgroup).
// Beside v1 controllers, a cgroup2 mounted elsewhere (systemd's hybrid
// mode: /sys/fs/cgroup/unified) is listed too, without controllers: the
// guest is a member of it, for its socket hooks.
func hierarchies() (v2 bool, hs []hierarchy, err error) {
	own, err := ownCgroups()
	if err != nil {
		return false, nil, err
	}
	if _, err := os.Stat(filepath.Join(cgroupRoot, "cgroup.controllers")); err == nil {
		return true, []hierarchy{{mount: cgroupRoot, v2: true, own: own[""]}}, nil
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false, nil, err
	}
	defer f.Close()
	known := knownControllers()
	seen := map[string]bool{}
	unified := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL…] - FSTYPE SOURCE SUPEROPTS
		fields := strings.Fields(sc.Text())
		sep := slices.Index(fields, "-")
		if sep < 0 || sep+3 >= len(fields) {
			continue
		}
		if fields[sep+1] == "cgroup2" && unified == "" {
			unified = unescapeMountinfo(fields[4])
			continue
		}
		if fields[sep+1] != "cgroup" {
			continue
		}
		var ctrls []string
		for _, o := range strings.Split(fields[sep+3], ",") {
			if known[o] {
				ctrls = append(ctrls, o)
			}
		}
		if !slices.ContainsFunc(ctrls, func(c string) bool { return slices.Contains(cgroupControllers, c) }) {
			continue
		}
		mount := unescapeMountinfo(fields[4])
		key := strings.Join(slices.Sorted(slices.Values(ctrls)), ",")
		if seen[key] {
			continue
		}
		seen[key] = true
		hs = append(hs, hierarchy{mount: mount, controllers: ctrls, own: own[key]})
	}
	if err := sc.Err(); err != nil {
		return false, nil, err
	}
	if len(hs) == 0 {
		return false, nil, errors.New("no cgroup hierarchy is mounted (neither cgroup v2 at /sys/fs/cgroup nor a v1 hierarchy with cpu, cpuset, memory or pids)")
	}
	if unified != "" {
		hs = append(hs, hierarchy{mount: unified, v2: true, controllers: []string{}, own: own[""]})
	}
	return false, hs, nil
}

// v2Dir is the guest's folder in a cgroup v2 hierarchy, "" when there is
// none.
func v2Dir(hs []hierarchy, dirs []string) string {
	for i, h := range hs {
		if h.v2 {
			return dirs[i]
		}
	}
	return ""
}

// knownControllers reads the controllers of the kernel from /proc/cgroups.
func knownControllers() map[string]bool {
	out := map[string]bool{}
	data, _ := os.ReadFile("/proc/cgroups")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			out[f[0]] = true
		}
	}
	return out
}

// ownCgroups reads /proc/self/cgroup: the cgroup of this process by the
// sorted controller list of its hierarchy ("" for v2).
func ownCgroups() (map[string]string, error) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var ctrls []string
		for _, c := range strings.Split(parts[1], ",") {
			if c != "" && !strings.HasPrefix(c, "name=") {
				ctrls = append(ctrls, c)
			}
		}
		slices.Sort(ctrls)
		out[strings.Join(ctrls, ",")] = parts[2]
	}
	return out, nil
}

// cgroupDirs returns the guest's cgroup folder in each hierarchy.
func cgroupDirs(hs []hierarchy, parent, name string) []string {
	var out []string
	for _, h := range hs {
		base := parent
		if !strings.HasPrefix(parent, "/") {
			base = path.Join(h.own, parent)
		}
		out = append(out, filepath.Join(h.mount, base, name))
	}
	return out
}

// makeCgroups makes the guest's cgroup folders dirs (from cgroupDirs) and
// writes its limits. Folders that exist already are reused when they hold
// no process (left by a supervisor that died).
func makeCgroups(hs []hierarchy, dirs []string, cg *ir.CgroupSet) error {
	for i, h := range hs {
		dir := dirs[i]
		if procs, err := cgroupProcs(dir); err == nil && len(procs) > 0 {
			return fmt.Errorf("cgroup %s exists and holds processes %v: is the guest running under another state dir?", dir, procs)
		}
		if err := mkdirCgroup(h, dir, cg); err != nil {
			return err
		}
		if err := writeLimits(h, dir, cg); err != nil {
			return err
		}
	}
	return nil
}

// mkdirCgroup makes dir and the folders above it that are missing. A v1
// cpuset folder gets its parent's cpus and mems; a v2 folder's parents
// delegate the controllers the limits need.
func mkdirCgroup(h hierarchy, dir string, cg *ir.CgroupSet) error {
	rel, err := filepath.Rel(h.mount, dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("cgroup %s is not under %s", dir, h.mount)
	}
	cur := h.mount
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if h.v2 && h.controllers == nil {
			if err := delegate(cur, cg); err != nil {
				return err
			}
		}
		parent := cur
		cur = filepath.Join(cur, part)
		if err := os.Mkdir(cur, 0o755); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			return fmt.Errorf("cannot make cgroup %s: %w", cur, err)
		}
		if !h.v2 && h.has("cpuset") {
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				v, err := os.ReadFile(filepath.Join(parent, f))
				if err != nil {
					return fmt.Errorf("cgroup %s: %w", parent, err)
				}
				if err := writeCgroup(cur, f, strings.TrimSpace(string(v))); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// delegate enables in a v2 folder's subtree the controllers the guest's
// cgroup uses: those its limits need must be there; the others are
// enabled when the kernel lets them be, for accounting.
func delegate(dir string, cg *ir.CgroupSet) error {
	avail, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return fmt.Errorf("cgroup %s: %w", dir, err)
	}
	enabled, _ := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
	need := needed(cg)
	for _, c := range cgroupControllers {
		if slices.Contains(strings.Fields(string(enabled)), c) {
			continue
		}
		if !slices.Contains(strings.Fields(string(avail)), c) {
			if need[c] {
				return fmt.Errorf("cgroup %s: the %s controller is not available (cgroup.controllers: %s), and the guest's limits need it", dir, c, strings.TrimSpace(string(avail)))
			}
			continue
		}
		if err := writeCgroup(dir, "cgroup.subtree_control", "+"+c); err != nil && need[c] {
			return err
		}
	}
	return nil
}

// needed tells the controllers the limits of cg write to.
func needed(cg *ir.CgroupSet) map[string]bool {
	return map[string]bool{
		"cpuset": cg.Cpus != "" || cg.Mems != "",
		"cpu":    cg.CPUMax != "" || cg.CPUWeight != 0,
		"memory": cg.MemoryMax != 0,
		"pids":   cg.PidsMax != 0,
	}
}

func writeLimits(h hierarchy, dir string, cg *ir.CgroupSet) error {
	v2 := h.v2
	type kv struct{ ctrl, file, value string }
	var w []kv
	if cg.Cpus != "" {
		w = append(w, kv{"cpuset", "cpuset.cpus", cg.Cpus})
	}
	if cg.Mems != "" {
		w = append(w, kv{"cpuset", "cpuset.mems", cg.Mems})
	}
	if cg.CPUMax != "" {
		if v2 {
			w = append(w, kv{"cpu", "cpu.max", cg.CPUMax})
		} else {
			quota, period, _ := strings.Cut(cg.CPUMax, " ")
			if quota == "max" {
				quota = "-1"
			}
			w = append(w, kv{"cpu", "cpu.cfs_period_us", period}, kv{"cpu", "cpu.cfs_quota_us", quota})
		}
	}
	if cg.CPUWeight != 0 {
		if v2 {
			w = append(w, kv{"cpu", "cpu.weight", strconv.Itoa(cg.CPUWeight)})
		} else {
			shares := max(2, min(262144, cg.CPUWeight*1024/100))
			w = append(w, kv{"cpu", "cpu.shares", strconv.Itoa(shares)})
		}
	}
	if cg.MemoryMax != 0 {
		file := "memory.max"
		if !v2 {
			file = "memory.limit_in_bytes"
		}
		w = append(w, kv{"memory", file, strconv.FormatInt(cg.MemoryMax, 10)})
	}
	if cg.PidsMax != 0 {
		w = append(w, kv{"pids", "pids.max", strconv.FormatInt(cg.PidsMax, 10)})
	}
	for _, x := range w {
		if !h.has(x.ctrl) {
			continue
		}
		if err := writeCgroup(dir, x.file, x.value); err != nil {
			return err
		}
	}
	return nil
}

func writeCgroup(dir, file, value string) error {
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, []byte(value), 0); err != nil {
		return fmt.Errorf("cannot write %q to %s: %w", value, p, err)
	}
	return nil
}

// joinCgroups moves a process into the guest's cgroups.
func joinCgroups(dirs []string, pid int) error {
	for _, d := range dirs {
		if err := writeCgroup(d, "cgroup.procs", strconv.Itoa(pid)); err != nil {
			return err
		}
	}
	return nil
}

// cgroupProcs lists the processes of a cgroup folder.
func cgroupProcs(dir string) ([]int, error) {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, err
	}
	var out []int
	for _, f := range strings.Fields(string(data)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// removeCgroups kills what is left in the guest's cgroups and removes
// them, waiting up to timeout for the processes to go.
func removeCgroups(dirs []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var left []int
		for _, d := range dirs {
			procs, err := cgroupProcs(d)
			if err != nil {
				continue
			}
			if len(procs) > 0 {
				// cgroup.kill (v2, Linux 5.14) kills atomically, forks too.
				os.WriteFile(filepath.Join(d, "cgroup.kill"), []byte("1"), 0)
			}
			for _, pid := range procs {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			left = append(left, procs...)
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v are still in the guest's cgroups after SIGKILL", left)
		}
		time.Sleep(5 * time.Millisecond)
	}
	var errs []error
	for _, d := range dirs {
		// A cgroup whose last task just exited may be busy a moment.
		for {
			err := syscall.Rmdir(d)
			if err == nil || errors.Is(err, syscall.ENOENT) {
				break
			}
			if !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
				errs = append(errs, fmt.Errorf("cannot remove cgroup %s: %w", d, err))
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return errors.Join(errs...)
}

// unescapeMountinfo undoes the octal escapes (\040 for a space…) of a
// mountinfo field.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
