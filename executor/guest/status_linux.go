package guest

import (
	"io/fs"
	"path/filepath"
	"slices"
	"sort"

	"golang.org/x/sys/unix"

	"vsc/executor"
	"vsc/ir"
)

// Status is one guest as vsc status reports it.
type Status struct {
	Name  string `json:"name"`
	State string `json:"state"` // running, stopped
	// PID is the host pid of the guest's init; nil when stopped.
	PID       *int     `json:"pid"`
	Context   int      `json:"context"`
	Addresses []string `json:"addresses"`
	// DiskUsedKiB is the space used by the files of the guest's root that
	// carry its project id (its context); nil when its root carries none
	// (no disk limit, or a filesystem without project ids).
	DiskUsedKiB *uint64 `json:"disk_used_kib"`
}

// States of Status.
const (
	Running = "running"
	Stopped = "stopped"
)

// List reports the guests of plan p, in plan order, then the other
// guests of its host that have a state folder. With p nil, it reports
// every guest of host that has a state folder, or of every host when
// host is "". A running guest is reported from what was started; a
// stopped one from p.
func List(p *ir.Plan, host string, o Options) ([]Status, error) {
	type key struct{ host, name string }
	var keys []key
	seen := map[key]bool{}
	add := func(k key) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	hosts := []string{host}
	if p != nil {
		hosts = []string{p.Host}
		for _, n := range Names(p) {
			add(key{p.Host, n})
		}
	} else if host == "" {
		var err error
		if hosts, err = subdirs(o.stateDir()); err != nil {
			return nil, err
		}
	}
	var more []key
	for _, h := range hosts {
		names, err := subdirs(filepath.Join(o.stateDir(), h, guestsDir))
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if k := (key{h, n}); !seen[k] {
				more = append(more, k)
			}
		}
	}
	sort.Slice(more, func(i, j int) bool {
		return more[i].name < more[j].name || more[i].name == more[j].name && more[i].host < more[j].host
	})
	for _, k := range more {
		add(k)
	}
	out := make([]Status, 0, len(keys))
	for _, k := range keys {
		out = append(out, status(p, k.host, k.name, o))
	}
	return out, nil
}

func status(p *ir.Plan, host, name string, o Options) Status {
	st := Status{Name: name, State: Stopped, Addresses: []string{}}
	var seq *sequence
	r, _ := readRecord(Dir(o.stateDir(), host, name))
	if r != nil && r.running() {
		st.State = Running
		pid := r.Init.PID
		st.PID = &pid
		seq, _ = parse(r.Plan)
	}
	if seq == nil && p != nil && p.Host == host && slices.Contains(Names(p), name) {
		if gp, err := GuestPlan(p, name); err == nil {
			seq, _ = parse(gp)
		}
	}
	if seq == nil && r != nil {
		seq, _ = parse(r.Plan)
	}
	if seq != nil {
		st.Context = seq.ns.Context
		st.Addresses = append(st.Addresses, seq.addresses...)
		st.DiskUsedKiB = diskUsed(seq.init.Root, uint32(seq.ns.Context))
	}
	return st
}

// diskUsed sums the space allocated to the files and folders under root
// whose project id is id (hard links once), not crossing into other
// filesystems nor following symbolic links. It is nil when root itself
// does not carry the project id: the guest is not accounted by project
// (no disk limit, or a filesystem without project ids).
func diskUsed(root string, id uint32) *uint64 {
	var rootSt unix.Stat_t
	if err := unix.Lstat(root, &rootSt); err != nil || rootSt.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil
	}
	if pid, ok := executor.ProjectID(root); !ok || pid != id {
		return nil
	}
	var blocks uint64
	links := map[uint64]bool{}
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return nil
		}
		var st unix.Stat_t
		if unix.Lstat(path, &st) != nil {
			return nil
		}
		if st.Dev != rootSt.Dev {
			return filepath.SkipDir
		}
		if st.Nlink > 1 && !d.IsDir() {
			if links[st.Ino] {
				return nil
			}
			links[st.Ino] = true
		}
		if pid, ok := executor.ProjectID(path); ok && pid == id {
			blocks += uint64(st.Blocks)
		}
		return nil
	})
	kib := (blocks*512 + 1023) / 1024
	return &kib
}
