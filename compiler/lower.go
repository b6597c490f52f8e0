package compiler

import (
	"fmt"
	"net/netip"
	"path"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"

	"vsc/ir"
	"vsc/lang"
)

// Compile lowers the configuration of one host to a plan. The
// configuration must have passed Run without errors: lowering trusts what
// the checks have established. An error here is a broken invariant of
// vsc, not a user mistake: the plan failed ir.Verify.
//
// To compile several hosts, index the configuration once with NewModel
// and call Model.Compile for each.
func Compile(cfg *lang.Config, host string) (*ir.Plan, error) {
	return NewModel(cfg).Compile(host)
}

// Compile lowers the model's configuration for one host, as the function
// Compile does, with the model's lookups: compiling every host of a
// fleet reads each guest once, not once per host.
func (m *Model) Compile(host string) (*ir.Plan, error) {
	cfg := m.Config
	h := m.Host(host)
	if h == nil {
		return nil, fmt.Errorf("no host %q in the configuration", host)
	}
	l := &lowering{m: m, h: h,
		plan:   &ir.Plan{FormatVersion: ir.FormatVersion, Host: host, Source: cfg.Path, SourceDigest: cfg.Digest()},
		links:  map[string]int{},
		mounts: map[string]int{},
	}
	l.host()
	l.guests(m.GuestsOf(h))
	if err := ir.Verify(l.plan); err != nil {
		return nil, fmt.Errorf("internal error: the plan for host %q fails verification:\n%w", host, err)
	}
	// Sealed, so that a saved plan edited afterwards is refused.
	if err := l.plan.Seal(); err != nil {
		return nil, fmt.Errorf("internal error: the plan for host %q cannot be sealed: %w", host, err)
	}
	return l.plan, nil
}

type lowering struct {
	m    *Model
	h    *lang.Host
	plan *ir.Plan
	// ids of the ops that create a link or mount a filesystem, so that
	// what uses them can depend on them.
	links  map[string]int
	mounts map[string]int
	// tables are routeTables, once made.
	tables []string
	// The last origin made and its range: a guest's successive ops often
	// come from the same place (its label), and share the string.
	lastRange hcl.Range
	lastSite  string
	// idBase is the id of l.plan's first op in the plan it will join (see
	// guests): ids below it are the host's ops.
	idBase int
}

func (l *lowering) add(owner string, r hcl.Range, body ir.Body, after ...int) int {
	if l.lastSite == "" || r.Filename != l.lastRange.Filename || r.Start.Line != l.lastRange.Start.Line || r.Start.Column != l.lastRange.Start.Column {
		l.lastRange, l.lastSite = r, Site(r)
	}
	op := l.plan.Add(owner, l.lastSite, body, after...)
	op.ID += l.idBase
	return op.ID
}

// guestChunk is how many guests a worker of guests lowers at a time (a
// variable for the tests).
var guestChunk = 512

// guests lowers the host's guests in order. A guest's ops depend only on
// the host's and on its own, so a large host's guests are lowered in
// chunks on every CPU, each chunk numbering its ops from the end of the
// host's, then moved to its place in the plan.
func (l *lowering) guests(gs []*lang.Guest) {
	workers := min(runtime.GOMAXPROCS(0), (len(gs)+guestChunk-1)/guestChunk)
	if workers < 2 {
		for _, g := range gs {
			l.guest(g)
		}
		return
	}
	l.routeTables() // made before the workers share it
	base := len(l.plan.Ops)
	parts := make([][]*ir.Op, (len(gs)+guestChunk-1)/guestChunk)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := int(next.Add(1) - 1); c < len(parts); c = int(next.Add(1) - 1) {
				sub := &lowering{m: l.m, h: l.h, links: l.links, mounts: l.mounts, tables: l.tables,
					plan: &ir.Plan{}, idBase: base}
				for _, g := range gs[c*guestChunk : min(len(gs), (c+1)*guestChunk)] {
					sub.guest(g)
				}
				parts[c] = sub.plan.Ops
			}
		}()
	}
	wg.Wait()
	total := base
	for _, part := range parts {
		total += len(part)
	}
	l.plan.Ops = slices.Grow(l.plan.Ops, total-base)
	for _, part := range parts {
		shift := len(l.plan.Ops) - base
		for _, op := range part {
			op.ID += shift
			for i, d := range op.After {
				if d >= base {
					op.After[i] = d + shift
				}
			}
		}
		l.plan.Ops = append(l.plan.Ops, part...)
	}
}

// host lowers the host's own objects: VLAN links and their addresses,
// filesystems, routes, then rules (a rule is added only once its table is
// filled, so no packet is ever sent to an empty table).
func (l *lowering) host() {
	h := l.h
	for _, v := range parentsFirst(h.VLANs) {
		var after []int
		if id, ok := l.links[v.Link.V]; ok {
			after = append(after, id)
		}
		id := l.add(ir.OwnerHost, v.Name.Range, &ir.LinkAdd{Name: v.Name.V, Type: "vlan", Link: v.Link.V, VlanID: int(v.ID.V)}, after...)
		l.links[v.Name.V] = id
		for _, a := range v.Addresses.V {
			p, _ := ParseAddress(a.V)
			l.add(ir.OwnerHost, a.Range, &ir.AddrAdd{Dev: v.Name.V, Address: p.String(), Label: v.Name.V}, id)
		}
	}

	fss := append([]*lang.Filesystem(nil), h.Filesystems...)
	sort.SliceStable(fss, func(i, j int) bool { return depth(fss[i].MountPoint.V) < depth(fss[j].MountPoint.V) })
	for _, fs := range fss {
		var after []int
		if parent, ok := l.mountOf(path.Dir(fs.MountPoint.V)); ok {
			after = append(after, parent)
		}
		typ, opts := MountOptions(fs)
		l.mounts[fs.MountPoint.V] = l.add(ir.OwnerHost, fs.MountPoint.Range,
			&ir.Mount{Source: fs.Device.V, Target: fs.MountPoint.V, Type: typ, Options: opts}, after...)
	}

	// The routes of a table are a chain, each after the one before it,
	// and a rule comes after the last route of its table: after them all
	// with one dependency, so that the plan grows with routes + rules, not
	// with their product.
	lastRoute := map[int64]int{}
	for _, t := range h.Tables {
		// Connected routes first: a gateway route needs its gateway
		// reachable when it is added.
		var connected PrefixIndex[int]
		gateways := slices.ContainsFunc(t.Routes, viaRoute)
		for _, pass := range []bool{false, true} {
			for _, r := range t.Routes {
				if r.Via.Set != pass {
					continue
				}
				body, to := l.route(t, r)
				var after []int
				if id, ok := l.links[r.Dev.V]; ok {
					after = append(after, id)
				}
				if id, ok := lastRoute[t.ID.V]; ok {
					after = append(after, id)
				}
				if r.Via.Set {
					// The connected route the kernel reaches the gateway
					// through, the longest that holds it; the chain puts
					// the others before it too.
					via, _ := netip.ParseAddr(r.Via.V)
					for id := range connected.Covering(via) {
						after = append(after, id)
						break
					}
				}
				id := l.add(ir.OwnerHost, r.DeclRange, body, after...)
				if !r.Via.Set && gateways {
					connected.Add(to, id)
				}
				lastRoute[t.ID.V] = id
			}
		}
	}

	used := map[int64]bool{}
	for _, r := range h.Rules {
		if r.Priority.Set {
			used[r.Priority.V] = true
		}
	}
	for _, r := range h.Rules {
		table, _ := TableID(h, r.Table.V)
		prio := r.Priority.V
		if !r.Priority.Set {
			prio = freePriority(used, table)
			used[prio] = true
		}
		from, _ := RuleNetwork(r)
		var after []int
		if id, ok := lastRoute[table]; ok {
			after = append(after, id)
		}
		l.add(ir.OwnerHost, r.DeclRange, &ir.RuleAdd{From: from.String(), Table: int(table), Priority: int(prio)}, after...)
	}
}

func (l *lowering) route(t *lang.Table, r *lang.Route) (*ir.RouteAdd, netip.Prefix) {
	to, _ := RouteNetwork(r)
	body := &ir.RouteAdd{Table: int(t.ID.V), To: to.String(), Via: r.Via.V, Dev: r.Dev.V}
	if to.Bits() == 0 {
		body.To = "default"
	}
	return body, to
}

// FirstAutoPriority is where vsc starts looking for a free rule priority.
const FirstAutoPriority = 1000

// freePriority picks a rule priority for a rule that gives none: 1000 +
// its table id when that is free (the course's 1007 for table 7), else the
// first free one from 1000 up.
func freePriority(used map[int64]bool, table int64) int64 {
	if p := FirstAutoPriority + table; table > 0 && p < 32766 && !used[p] {
		return p
	}
	for p := int64(FirstAutoPriority); ; p++ {
		if !used[p] {
			return p
		}
	}
}

// MountOptions returns the filesystem type and options a mainline kernel
// understands for a host filesystem: util-vserver's tagxid (VS 2.0) and tag
// (VS 2.2) become project quotas, "prjquota"; ext2 and ext3 have project
// quotas only through the ext4 driver, so they are mounted as ext4.
func MountOptions(fs *lang.Filesystem) (typ string, opts []string) {
	typ = fs.Type.V
	_, tagged := TagOption(fs)
	if tagged {
		opts = append(opts, "prjquota")
		if typ == "ext2" || typ == "ext3" {
			typ = "ext4"
		}
	}
	for _, o := range SplitOptions(fs.Options) {
		if o.V != "tagxid" && o.V != "tag" {
			opts = append(opts, o.V)
		}
	}
	return typ, opts
}

// mountOf returns the op mounting the filesystem that holds dir.
func (l *lowering) mountOf(dir string) (int, bool) {
	for d := path.Clean(dir); ; d = path.Dir(d) {
		if id, ok := l.mounts[d]; ok {
			return id, true
		}
		if d == "/" || d == "." {
			return 0, false
		}
	}
}

func depth(p string) int { return strings.Count(path.Clean(p), "/") }

// parentsFirst orders VLANs so that one stacked on another comes after it.
func parentsFirst(vlans []*lang.VLAN) []*lang.VLAN {
	byName := map[string]*lang.VLAN{}
	for _, v := range vlans {
		byName[v.Name.V] = v
	}
	var out []*lang.VLAN
	done := map[string]bool{}
	var visit func(v *lang.VLAN, depth int)
	visit = func(v *lang.VLAN, depth int) {
		if done[v.Name.V] || depth > len(vlans) {
			return
		}
		if p := byName[v.Link.V]; p != nil && p != v {
			visit(p, depth+1)
		}
		if !done[v.Name.V] {
			done[v.Name.V] = true
			out = append(out, v)
		}
	}
	for _, v := range vlans {
		visit(v, 0)
	}
	return out
}

// Guest mounts every guest gets unless it mounts something else there.
var defaultMounts = []struct {
	target, source, typ string
	options             []string
}{
	{"/proc", "proc", "proc", []string{"nosuid", "nodev", "noexec"}},
	{"/dev/pts", "devpts", "devpts", nil},
	{"/sys", "sysfs", "sysfs", []string{"ro", "nosuid", "nodev", "noexec"}},
	{"/tmp", "tmpfs", "tmpfs", nil},
}

// Capabilities a guest's bounding set loses unless its configuration adds
// them back: those that reach beyond the guest, as util-vserver's default
// bcapabilities do.
var defaultDrop = []string{
	"AUDIT_CONTROL", "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "IPC_LOCK",
	"LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN",
	"PERFMON", "SYSLOG", "SYS_ADMIN", "SYS_BOOT", "SYS_MODULE", "SYS_NICE",
	"SYS_PACCT", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG",
	"WAKE_ALARM",
}

// defaultDropSorted is defaultDrop sorted and without repeats: the drop
// list of a guest without a capabilities block.
var defaultDropSorted = slices.Compact(slices.Sorted(slices.Values(defaultDrop)))

// guest lowers one guest: its build and disk limit, then its start
// sequence in the order of util-vserver (domain.md), each op after the
// one before, so the executor can run and undo them in order.
func (l *lowering) guest(g *lang.Guest) {
	owner := ir.GuestOwner(g.SysName)
	name := g.SysName
	root, _ := l.m.RootOf(g)
	prev := -1
	step := func(r hcl.Range, body ir.Body, extra ...int) {
		after := extra
		if prev >= 0 {
			after = append(after, prev)
		}
		prev = l.add(owner, r, body, after...)
	}
	var rootMount []int
	if id, ok := l.mountOf(root); ok {
		rootMount = []int{id}
	}

	if b := g.Build; b != nil {
		step(b.DeclRange, &ir.GuestBuild{Guest: name, Method: b.Method.V, Root: root,
			Distribution: b.Distribution.V, Mirror: b.Mirror.V, Archive: b.Archive.V, Source: b.Source.V}, rootMount...)
	}
	if d := g.DiskLimit; d != nil {
		dir, _ := l.m.DiskLimitDir(g)
		var mnt []int
		if id, ok := l.mountOf(dir); ok {
			mnt = []int{id}
		}
		step(d.DeclRange, &ir.ProjidSet{Path: dir, ID: uint32(g.Context.V), Recursive: true}, mnt...)
		step(d.DeclRange, &ir.QuotaSet{Path: dir, ID: uint32(g.Context.V),
			// A part of a KiB still limits: round up.
			SpaceKiB: (uint64(d.SpaceTotal.V) + 1023) / 1024, Inodes: uint64(d.InodesTotal.V), ReservedPct: int(d.Reserved.V)})
	}

	isolated := Network(g) == "isolated"
	kinds := []string{"user", "mnt", "uts", "ipc", "pid"}
	if isolated {
		kinds = append(kinds, "net")
	}
	for _, f := range g.Flags.V {
		if strings.EqualFold(f.V, "virt_uptime") {
			kinds = append(kinds, "time")
		}
	}
	cleanup := true
	if g.Namespace != nil && g.Namespace.Cleanup.Set {
		cleanup = g.Namespace.Cleanup.V
	}
	ctx := int(g.Context.V)
	step(g.Label.Range, &ir.NsNew{Guest: name, Context: ctx, Kinds: kinds,
		IDBase: ir.IDBase(ctx), IDCount: ir.GuestIDs, Cleanup: cleanup}, rootMount...)

	hooks := func(phase string, pick func(*lang.Hooks) lang.Strings) {
		if g.Hooks == nil {
			return
		}
		for _, c := range pick(g.Hooks).V {
			step(c.Range, &ir.HookRun{Guest: name, Phase: phase, Command: c.V})
		}
	}
	mounts := l.guestMounts(g)
	hooks("initialize", func(h *lang.Hooks) lang.Strings { return h.Initialize })
	for _, mt := range mounts {
		if mt.body.Target == "/" {
			step(mt.r, mt.body)
		}
	}
	hooks("prepre_start", func(h *lang.Hooks) lang.Strings { return h.PrepreStart })
	// A shared guest's addresses are on the host's links; an isolated
	// guest's are in its own network namespace (veth.add, below).
	var own []netip.Prefix
	var ownLinks []string
	var ownAfter []int
	for _, i := range g.Interfaces {
		p, _ := ParseAddress(i.IP.V)
		var link []int
		if id, ok := l.links[i.Dev.V]; ok {
			link = []int{id}
		}
		own, ownLinks = append(own, p), append(ownLinks, i.Dev.V)
		if isolated {
			ownAfter = append(ownAfter, link...)
			continue
		}
		step(i.IP.Range, &ir.AddrAdd{Dev: i.Dev.V, Address: p.String(), Label: AliasLabel(i)}, link...)
	}
	step(g.Label.Range, &ir.GuestDev{Guest: name, Nodes: defaultNodes})
	for _, mt := range mounts {
		if mt.body.Target != "/" {
			step(mt.r, mt.body)
		}
	}
	step(g.Label.Range, &ir.GuestMask{Guest: name, Masked: maskedPaths, Readonly: readonlyPaths})
	hooks("pre_start", func(h *lang.Hooks) lang.Strings { return h.PreStart })

	cg := &ir.CgroupSet{Guest: name, Context: int(g.Context.V)}
	cgRange := g.Label.Range
	if c := g.Cpuset; c != nil {
		cg.Cpus, cg.Mems, cgRange = c.Cpus.V, c.Mems.V, c.DeclRange
	}
	if s := g.Sched; s != nil && s.FillRate.Set && s.Interval.Set && s.Interval.V > 0 {
		const period = 100000 // µs, the kernel's default cfs period
		quota := s.FillRate.V * period / s.Interval.V
		if quota < 1000 {
			quota = 1000 // the kernel's minimum quota
		}
		if quota < period*int64(maxCPUs) {
			cg.CPUMax = fmt.Sprintf("%d %d", quota, period)
		}
		cgRange = s.DeclRange
	}
	var rlimits []*ir.RlimitSet
	var rlRanges []hcl.Range
	cg.PidsMax = DefaultPidsMax
	if r := g.Rlimits; r != nil {
		// nproc and rss are context-wide in util-vserver: they become the
		// cgroup's pids.max and memory.max; the rest are per-process limits
		// set on the guest's init.
		if r.Nproc.Set {
			cg.PidsMax = 0 // unlimited: the kernel's max
			if r.Nproc.V.Hard != lang.Unlimited {
				cg.PidsMax = int64(r.Nproc.V.Hard)
			}
		}
		if r.RSS.Set && r.RSS.V.Hard != lang.Unlimited {
			cg.MemoryMax = int64(r.RSS.V.Hard)
		}
		for rl := range r.All() {
			if rl.Name != "nproc" && rl.Name != "rss" {
				rlimits = append(rlimits, &ir.RlimitSet{Guest: name, Resource: rl.Name, Soft: rl.V.Soft, Hard: rl.V.Hard})
				rlRanges = append(rlRanges, rl.Range)
			}
		}
	}
	step(cgRange, cg)
	netRange := g.Label.Range
	if g.Network.Set {
		netRange = g.Network.Range
	}
	if isolated {
		veth := &ir.VethAdd{Guest: name, Name: VethName(ctx), Tables: l.routeTables()}
		for i, p := range own {
			veth.Addresses = append(veth.Addresses, p.String())
			veth.Links = append(veth.Links, ownLinks[i])
		}
		step(netRange, veth, ownAfter...)
	} else {
		step(netRange, &ir.NetConfine{Guest: name, Addresses: confined(own)})
	}
	for i, rl := range rlimits {
		step(rlRanges[i], rl)
	}

	uts := &ir.UTSSet{Guest: name, Nodename: name}
	utsRange := g.Label.Range
	if g.Hostname.Set {
		uts.Nodename, utsRange = g.Hostname.V, g.Hostname.Range
	}
	if u := g.UTS; u != nil {
		if u.Nodename.Set {
			uts.Nodename, utsRange = u.Nodename.V, u.Nodename.Range
		}
		uts.Domainname = u.Domainname.V
	}
	step(utsRange, uts)

	capsRange := g.Label.Range
	var dropList []string
	if c := g.Capabilities; c != nil {
		capsRange = c.DeclRange
		drop := map[string]bool{}
		for _, c := range defaultDrop {
			drop[c] = true
		}
		for _, d := range c.Drop.V {
			c, _, _ := Capability(d.V)
			drop[c] = true
		}
		for _, a := range c.Add.V {
			c, _, _ := Capability(a.V)
			delete(drop, c)
		}
		dropList = make([]string, 0, len(drop))
		for c := range drop {
			dropList = append(dropList, c)
		}
		sort.Strings(dropList)
	} else {
		dropList = slices.Clone(defaultDropSorted)
	}
	step(capsRange, &ir.CapsDrop{Guest: name, Drop: dropList})
	seccompRange := g.Label.Range
	if g.Seccomp != nil {
		seccompRange = g.Seccomp.DeclRange
	}
	step(seccompRange, &ir.SeccompSet{Guest: name, Deny: denyList(g)})

	ie := &ir.InitExec{Guest: name, Root: root, Style: "sysv", Nice: int(g.Nice.V), Autostart: g.Autostart.V}
	if g.Reboot != nil && g.Reboot.Action.Set {
		ie.Reboot = g.Reboot.Action.V
	}
	initRange := g.Label.Range
	runlevel := int64(3)
	if in := g.Init; in != nil {
		initRange = in.DeclRange
		if in.Style.Set {
			ie.Style = in.Style.V
		}
		if in.Runlevel.Set {
			runlevel = in.Runlevel.V
		}
		ie.Command = lang.Values(in.Command)
	}
	if len(ie.Command) == 0 {
		switch ie.Style {
		case "sysv":
			ie.Command = []string{"/etc/init.d/rc", strconv.FormatInt(runlevel, 10)}
		case "plain", "fakeinit":
			ie.Command = []string{"/sbin/init"}
		}
	}
	if ie.Style == "none" {
		ie.Command = nil
	}
	step(initRange, ie)
	started := prev
	hooks("post_start", func(h *lang.Hooks) lang.Strings { return h.PostStart })
	// The stop hooks belong to the stop sequence, which runs from a
	// started guest: they follow init.exec, not the post_start hooks.
	prev = started
	hooks("pre_stop", func(h *lang.Hooks) lang.Strings { return h.PreStop })
	hooks("post_stop", func(h *lang.Hooks) lang.Strings { return h.PostStop })
}

// VethName is the host end of the veth pair of an isolated guest of
// context ctx: vsc and the context, which is unique on the host.
func VethName(ctx int) string { return "vsc" + strconv.Itoa(ctx) }

// routeTables are the tables an isolated guest's host routes go in:
// main, then every table of the host, in number order. Made once per
// host, each guest's veth.add gets a copy.
func (l *lowering) routeTables() []string {
	if l.tables == nil {
		seen := map[int64]bool{254: true}
		var ids []int64
		for _, t := range l.h.Tables {
			if t.ID.Set && !seen[t.ID.V] {
				seen[t.ID.V] = true
				ids = append(ids, t.ID.V)
			}
		}
		slices.Sort(ids)
		l.tables = []string{"254"}
		for _, id := range ids {
			l.tables = append(l.tables, strconv.FormatInt(id, 10))
		}
	}
	return slices.Clone(l.tables)
}

// confined lists a shared guest's own addresses for net.confine: bare,
// each once, its first IPv4 and its first IPv6 address first.
func confined(own []netip.Prefix) []string {
	var first, rest []string
	seen4, seen6 := false, false
	for _, p := range own {
		a := p.Addr().Unmap().String()
		if slices.Contains(first, a) || slices.Contains(rest, a) {
			continue
		}
		switch {
		case p.Addr().Unmap().Is4() && !seen4:
			seen4 = true
			first = append(first, a)
		case p.Addr().Is6() && !p.Addr().Is4In6() && !seen6:
			seen6 = true
			first = append(first, a)
		default:
			rest = append(rest, a)
		}
	}
	return append(first, rest...)
}

// maxCPUs bounds a CPU share: a quota of this many CPUs means no limit.
const maxCPUs = 1024

type guestMount struct {
	r    hcl.Range
	body *ir.GuestMount
}

// guestMounts returns the default mounts overridden by the guest's own,
// parents before children.
func (l *lowering) guestMounts(g *lang.Guest) []guestMount {
	own := map[string]bool{}
	for _, mt := range g.Mounts {
		own[path.Clean(mt.Target.V)] = true
	}
	var out []guestMount
	for _, d := range defaultMounts {
		if !own[d.target] {
			out = append(out, guestMount{g.Label.Range, &ir.GuestMount{Guest: g.SysName, Source: d.source, Target: d.target, Type: d.typ, Options: slices.Clone(d.options)}})
		}
	}
	for _, mt := range g.Mounts {
		out = append(out, guestMount{mt.Target.Range, &ir.GuestMount{Guest: g.SysName, Source: mt.Source.V,
			Target: path.Clean(mt.Target.V), Type: mt.Type.V, Options: optionValues(mt.Options)}})
	}
	sort.SliceStable(out, func(i, j int) bool { return depth(out[i].body.Target) < depth(out[j].body.Target) })
	return out
}

func optionValues(opts lang.Strings) []string {
	var out []string
	for _, o := range SplitOptions(opts) {
		out = append(out, o.V)
	}
	return out
}
