package ir

import (
	"math"
	"strings"
	"testing"
)

// find returns the body of the first op of type T in p, and the op.
func find[T Body](t *testing.T, p *Plan) (T, *Op) {
	for _, op := range p.Ops {
		if b, ok := op.Body.(T); ok {
			return b, op
		}
	}
	var zero T
	t.Fatalf("no %T in the plan", zero)
	return zero, nil
}

func TestVerifyAcceptsGoodPlan(t *testing.T) {
	if err := Verify(goldenPlan()); err != nil {
		t.Fatal(err)
	}
	// Variants that are fine too.
	for name, edit := range map[string]func(p *Plan){
		"empty plan":        func(p *Plan) { p.Ops = nil },
		"no label":          func(p *Plan) { b, _ := find[*AddrAdd](t, p); b.Label = "" },
		"label is the dev":  func(p *Plan) { b, _ := find[*AddrAdd](t, p); b.Label = b.Dev },
		"ipv6":              func(p *Plan) { b, _ := find[*AddrAdd](t, p); b.Address = "2001:db8::2/64" },
		"route by dev only": func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.Via, b.Dev = "", "eth0.7" },
		"v6 route":          func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.To, b.Via = "2001:db8::/32", "2001:db8::1" },
		"highest table":     func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.Table = math.MaxUint32 },
		"host-owned addr":   func(p *Plan) { _, op := find[*AddrAdd](t, p); op.Owner = OwnerHost },
		"style none":        func(p *Plan) { b, _ := find[*InitExec](t, p); b.Style, b.Command = "none", nil },
		"cpu max":           func(p *Plan) { b, _ := find[*CgroupSet](t, p); b.CPUMax = "max 100000" },
		"skeleton": func(p *Plan) {
			b, _ := find[*GuestBuild](t, p)
			*b = GuestBuild{Guest: "web", Method: "skeleton", Root: "/x"}
		},
		"equal limits": func(p *Plan) { b, _ := find[*RlimitSet](t, p); b.Soft = b.Hard },
		"inodes only":  func(p *Plan) { b, _ := find[*QuotaSet](t, p); b.SpaceKiB = 0 },
		"bare dev labels repeat": func(p *Plan) {
			p.Add("guest.db", "f:1:1", &AddrAdd{Dev: "eth0.7", Address: "10.7.0.8/16", Label: "eth0.7"})
			p.Add("guest.db", "f:1:1", &AddrAdd{Dev: "eth0.7", Address: "10.7.0.9/16", Label: "eth0.7"})
		},
		"rule to main": func(p *Plan) { b, _ := find[*RuleAdd](t, p); b.Table = 254 },
		"v4 and v6 default routes in one table": func(p *Plan) {
			b, _ := find[*RouteAdd](t, p)
			p.Add(OwnerHost, "f:1:1", &RouteAdd{Table: b.Table, To: "default", Via: "2001:db8::1"})
		},
		"a hook twice": func(p *Plan) {
			b, _ := find[*HookRun](t, p)
			p.Add("guest.web", "f:1:1", &HookRun{Guest: "web", Phase: b.Phase, Command: b.Command})
		},
	} {
		p := goldenPlan()
		edit(p)
		if err := Verify(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(p *Plan)
		want string
	}{
		// The header.
		{"version", func(p *Plan) { p.FormatVersion = "2" }, `plan: format_version: version "2" is not "1"`},
		{"no host", func(p *Plan) { p.Host = "" }, `plan: host: empty`},
		{"no source", func(p *Plan) { p.Source = "" }, `plan: source: empty`},
		{"digest algorithm", func(p *Plan) { p.SourceDigest = "md5:" + strings.Repeat("0", 64) }, `plan: source_digest: "md5:`},
		{"digest short", func(p *Plan) { p.SourceDigest = "sha256:abc" }, `plan: source_digest: "sha256:abc" is not`},
		{"digest upper", func(p *Plan) { p.SourceDigest = strings.ToUpper(p.SourceDigest) }, `plan: source_digest:`},
		{"host not UTF-8", func(p *Plan) { p.Host = "h\xff" }, `plan: host: "h\xff" is not valid UTF-8`},

		// What every op carries.
		{"nil op", func(p *Plan) { p.Ops[3] = nil }, `op 3: the op is missing`},
		{"nil body", func(p *Plan) { p.Ops[3].Body = nil }, `op 3: kind: the op has no body`},
		{"id", func(p *Plan) { p.Ops[3].ID = 4 }, `op 3 (rule.add): id: 4 is not the op's position 3`},
		{"after absent", func(p *Plan) { p.Ops[3].After = []int{99} }, `op 3 (rule.add): after: op 99 does not exist`},
		{"after negative", func(p *Plan) { p.Ops[3].After = []int{-1} }, `op 3 (rule.add): after: op -1 does not exist`},
		{"after later", func(p *Plan) { p.Ops[3].After = []int{3} }, `op 3 (rule.add): after: op 3 is not earlier`},
		{"after twice", func(p *Plan) { p.Ops[3].After = []int{1, 1} }, `op 3 (rule.add): after: op 1 is listed twice`},
		{"after unsorted", func(p *Plan) { p.Ops[3].After = []int{2, 1} }, `op 3 (rule.add): after: not sorted: 1 after 2`},
		{"owner", func(p *Plan) { p.Ops[0].Owner = "root" }, `op 0 (link.add): owner: "root" is neither`},
		{"owner no name", func(p *Plan) { p.Ops[1].Owner = "guest." }, `op 1 (addr.add): owner: "guest." is neither`},
		{"owner slash", func(p *Plan) { p.Ops[1].Owner = "guest.a/b" }, `op 1 (addr.add): owner: "guest.a/b" is neither`},
		{"no origin", func(p *Plan) { p.Ops[0].Origin = "" }, `op 0 (link.add): origin: "" is not FILE:LINE:COL`},
		{"origin range", func(p *Plan) { p.Ops[0].Origin = "f.hcl:3,5-9" }, `op 0 (link.add): origin: "f.hcl:3,5-9" is not FILE:LINE:COL`},
		{"origin zero", func(p *Plan) { p.Ops[0].Origin = "f.hcl:0:1" }, `origin: "f.hcl:0:1" is not`},
		{"guest step owned by host", func(p *Plan) { _, op := find[*NsNew](t, p); op.Owner = OwnerHost },
			`op 8 (ns.new): guest: "web" does not match the owner "host"`},
		{"guest field", func(p *Plan) { b, _ := find[*UTSSet](t, p); b.Guest = "db" },
			`op 17 (uts.set): guest: "db" does not match the owner "guest.web"`},
		{"string with NUL", func(p *Plan) { b, _ := find[*HookRun](t, p); b.Command = "a\x00b" },
			`op 9 (hook.run): command: "a\x00b" is not valid UTF-8 or contains a NUL byte`},
		{"list not UTF-8", func(p *Plan) { b, _ := find[*InitExec](t, p); b.Command[1] = "\xfe" },
			`op 20 (init.exec): command: "\xfe" is not valid UTF-8`},

		// link.add
		{"link name long", func(p *Plan) { b, _ := find[*LinkAdd](t, p); b.Name = "eth0.7-abcdefghij" },
			`op 0 (link.add): name: link name "eth0.7-abcdefghij" is 17 bytes, longer than 15 (IFNAMSIZ-1)`},
		{"link name colon", func(p *Plan) { b, _ := find[*LinkAdd](t, p); b.Name = "eth0:7" }, `name: link name "eth0:7" contains '/', ':' or white space`},
		{"link name slash", func(p *Plan) { b, _ := find[*LinkAdd](t, p); b.Name = "eth0/7" }, `name: link name "eth0/7" contains`},
		{"link name space", func(p *Plan) { b, _ := find[*LinkAdd](t, p); b.Name = "eth 7" }, `name: link name "eth 7" contains`},
		{"link name dot", func(p *Plan) { b, _ := find[*LinkAdd](t, p); b.Name = ".." }, `name: link name ".." is reserved`},
		{"link parent empty", func(p *Plan) { b, _ := find[*LinkAdd](t, p); b.Link = "" }, `op 0 (link.add): link: empty link name`},
		{"link parent self", func(p *Plan) { b, _ := find[*LinkAdd](t, p); b.Link = b.Name }, `op 0 (link.add): link: "eth0.7" is the link being created`},
		{"link type", func(p *Plan) { b, _ := find[*LinkAdd](t, p); b.Type = "macvlan" }, `op 0 (link.add): type: "macvlan" is not one of vlan`},
		{"vlan 0", func(p *Plan) { b, _ := find[*LinkAdd](t, p); b.VlanID = 0 }, `op 0 (link.add): vlan_id: 0 is out of range 1..4094`},
		{"vlan 4095", func(p *Plan) { b, _ := find[*LinkAdd](t, p); b.VlanID = 4095 }, `vlan_id: 4095 is out of range 1..4094`},

		// addr.add
		{"address typo", func(p *Plan) { b, _ := find[*AddrAdd](t, p); b.Address = "10.0.7.0.2/16" },
			`op 1 (addr.add): address: "10.0.7.0.2/16" is not an address/prefix like 10.7.0.2/16`},
		{"address no prefix", func(p *Plan) { b, _ := find[*AddrAdd](t, p); b.Address = "10.7.0.2" }, `address: "10.7.0.2" is not an address/prefix`},
		{"addr dev", func(p *Plan) { b, _ := find[*AddrAdd](t, p); b.Dev = "" }, `op 1 (addr.add): dev: empty link name`},
		{"label 16", func(p *Plan) { b, _ := find[*AddrAdd](t, p); b.Label = "eth0.7:monvs777x" },
			`op 1 (addr.add): label: label "eth0.7:monvs777x" is 16 bytes, longer than 15 (IFNAMSIZ-1)`},
		{"label dev", func(p *Plan) { b, _ := find[*AddrAdd](t, p); b.Label = "eth1:web" },
			`op 1 (addr.add): label: label "eth1:web" must be the dev name "eth0.7" or start with "eth0.7:"`},
		{"label dev prefix", func(p *Plan) { b, _ := find[*AddrAdd](t, p); b.Label = "eth0.77" }, `label: label "eth0.77" must be the dev name`},

		// route.add
		{"route to unmasked", func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.To = "10.7.0.1/16" },
			`op 2 (route.add): to: "10.7.0.1/16" has host bits set; the network is 10.7.0.0/16`},
		{"route to", func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.To = "everywhere" }, `op 2 (route.add): to: "everywhere" is not an address/prefix`},
		{"route via", func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.Via = "10.7.0" }, `op 2 (route.add): via: "10.7.0" is not an IP address`},
		{"route via zone", func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.Via = "fe80::1%eth0" }, `via: "fe80::1%eth0" is not an IP address without zone`},
		{"route family", func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.To, b.Via = "10.8.0.0/16", "2001:db8::1" },
			`op 2 (route.add): via: gateway 2001:db8::1 is not of the family of 10.8.0.0/16`},
		{"route nowhere", func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.Via = "" }, `op 2 (route.add): via: a route needs a gateway (via), a link (dev) or both`},
		{"route dev", func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.Dev = "a very long link name" }, `op 2 (route.add): dev: link name`},
		{"table 0", func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.Table = 0 }, `op 2 (route.add): table: 0 is out of range 1..4294967295`},
		{"table default", func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.Table = 253 }, `op 2 (route.add): table: table 253 is the kernel's default table`},
		{"table main", func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.Table = 254 }, `table: table 254 is the kernel's main table`},
		{"table local", func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.Table = 255 }, `op 2 (route.add): table: table 255 is the kernel's local table`},
		{"rule to no table", func(p *Plan) { b, _ := find[*RuleAdd](t, p); b.Table = 0 }, `op 3 (rule.add): table: 0 is out of range 1..4294967295`},
		{"table 2^32", func(p *Plan) { b, _ := find[*RouteAdd](t, p); b.Table = 1 << 32 }, `table: 4294967296 is out of range`},

		// rule.add
		{"rule priority 0", func(p *Plan) { b, _ := find[*RuleAdd](t, p); b.Priority = 0 }, `op 3 (rule.add): priority: 0 is out of range 1..32765`},
		{"rule priority main", func(p *Plan) { b, _ := find[*RuleAdd](t, p); b.Priority = 32766 }, `priority: 32766 is out of range 1..32765`},
		{"rule from", func(p *Plan) { b, _ := find[*RuleAdd](t, p); b.From = "10.7.0.0" }, `op 3 (rule.add): from: "10.7.0.0" is not an address/prefix`},
		{"rule from unmasked", func(p *Plan) { b, _ := find[*RuleAdd](t, p); b.From = "10.7.0.2/16" }, `from: "10.7.0.2/16" has host bits set`},

		// mount, guest.mount
		{"mount relative", func(p *Plan) { b, _ := find[*Mount](t, p); b.Target = "var/lib/vservers/web" },
			`op 4 (mount): target: "var/lib/vservers/web" is not an absolute path`},
		{"mount unclean", func(p *Plan) { b, _ := find[*Mount](t, p); b.Target = "/var/lib/../lib/vservers/web/" },
			`op 4 (mount): target: "/var/lib/../lib/vservers/web/" is not clean; write "/var/lib/vservers/web"`},
		{"mount type", func(p *Plan) { b, _ := find[*Mount](t, p); b.Type = "" }, `op 4 (mount): type: empty`},
		{"mount source", func(p *Plan) { b, _ := find[*Mount](t, p); b.Source = "" }, `op 4 (mount): source: empty`},
		{"mount option comma", func(p *Plan) { b, _ := find[*Mount](t, p); b.Options = []string{"rw,noexec"} },
			`op 4 (mount): options: option "rw,noexec": one option per element`},
		{"guest mount target", func(p *Plan) { b, _ := find[*GuestMount](t, p); b.Target = "proc" }, `op 11 (guest.mount): target: "proc" is not an absolute path`},
		{"guest mount type", func(p *Plan) { b, _ := find[*GuestMount](t, p); b.Type = "" }, `op 11 (guest.mount): type: empty`},

		// projid.set, quota.set, contexts
		{"projid path", func(p *Plan) { b, _ := find[*ProjidSet](t, p); b.Path = "./web" }, `op 5 (projid.set): path: "./web" is not an absolute path`},
		{"projid spectator", func(p *Plan) { b, _ := find[*ProjidSet](t, p); b.ID = 1 }, `op 5 (projid.set): projid: context 1 is out of the static range 2..49151`},
		{"projid dynamic", func(p *Plan) { b, _ := find[*ProjidSet](t, p); b.ID = 49152 }, `projid: context 49152 is out of the static range`},
		{"quota id", func(p *Plan) { b, _ := find[*QuotaSet](t, p); b.ID = 0 }, `op 6 (quota.set): projid: context 0 is out of the static range`},
		{"quota path", func(p *Plan) { b, _ := find[*QuotaSet](t, p); b.Path = "" }, `op 6 (quota.set): path: "" is not an absolute path`},
		{"quota empty", func(p *Plan) { b, _ := find[*QuotaSet](t, p); b.SpaceKiB, b.Inodes = 0, 0 },
			`op 6 (quota.set): space_kib: a quota needs a space or an inode limit`},
		{"quota reserved", func(p *Plan) { b, _ := find[*QuotaSet](t, p); b.ReservedPct = 101 }, `op 6 (quota.set): reserved_pct: 101 is out of range 0..100`},
		{"ns context", func(p *Plan) { b, _ := find[*NsNew](t, p); b.Context = 0 }, `op 8 (ns.new): context: context 0 is out of the static range`},
		{"cgroup context", func(p *Plan) { b, _ := find[*CgroupSet](t, p); b.Context = 70000 }, `op 13 (cgroup.set): context: context 70000 is out`},

		// guest.build
		{"build method", func(p *Plan) { b, _ := find[*GuestBuild](t, p); b.Method = "apt" },
			`op 7 (guest.build): method: "apt" is not one of clone, debootstrap, rsync, skeleton, template, yum`},
		{"build needs", func(p *Plan) { b, _ := find[*GuestBuild](t, p); b.Distribution = "" },
			`op 7 (guest.build): distribution: build method debootstrap needs a distribution`},
		{"build root", func(p *Plan) { b, _ := find[*GuestBuild](t, p); b.Root = "/var/lib/vservers/web/." }, `op 7 (guest.build): root: "/var/lib/vservers/web/." is not clean`},

		// ns.new
		{"ns kind", func(p *Plan) { b, _ := find[*NsNew](t, p); b.Kinds = append(b.Kinds, "cgroup") },
			`op 8 (ns.new): kinds: "cgroup" is not one of user, mnt, uts, ipc, pid, net, time`},
		{"ns without user", func(p *Plan) { b, _ := find[*NsNew](t, p); b.Kinds = []string{"mnt", "pid"} },
			`op 8 (ns.new): kinds: mnt,pid lacks user: every guest has its own user, mnt, pid namespaces`},
		{"ids of the host", func(p *Plan) { b, _ := find[*NsNew](t, p); b.IDBase = 0 },
			`op 8 (ns.new): id_base: 0 is not context × 65536 = 19660800`},
		{"ids of another guest", func(p *Plan) { b, _ := find[*NsNew](t, p); b.IDBase = 301 << 16 },
			`op 8 (ns.new): id_base: 19726336 is not context × 65536 = 19660800`},
		{"ids too many", func(p *Plan) { b, _ := find[*NsNew](t, p); b.IDCount = 1 << 20 },
			`op 8 (ns.new): id_count: 1048576 is not 65536`},

		// guest.dev, guest.mask
		{"dev node", func(p *Plan) { b, _ := find[*GuestDev](t, p); b.Nodes = append(b.Nodes, "sda") },
			`op 10 (guest.dev): nodes: "sda" is not one of full, null, ptmx, random, tty, urandom, zero`},
		{"dev none", func(p *Plan) { b, _ := find[*GuestDev](t, p); b.Nodes = nil }, `op 10 (guest.dev): nodes: empty list`},
		{"mask relative", func(p *Plan) { b, _ := find[*GuestMask](t, p); b.Masked = []string{"proc/kcore"} },
			`op 12 (guest.mask): masked: "proc/kcore" is not an absolute path`},
		{"readonly unclean", func(p *Plan) { b, _ := find[*GuestMask](t, p); b.Readonly = []string{"/proc/sys/"} },
			`op 12 (guest.mask): readonly: "/proc/sys/" is not clean`},

		// net.confine, veth.add
		{"confine bad address", func(p *Plan) { b, _ := find[*NetConfine](t, p); b.Addresses = []string{"10.7.0.2/16"} },
			`op 14 (net.confine): addresses: "10.7.0.2/16" is not an IP address`},
		{"confine wildcard", func(p *Plan) { b, _ := find[*NetConfine](t, p); b.Addresses = []string{"0.0.0.0"} },
			`op 14 (net.confine): addresses: 0.0.0.0 cannot be a guest's own address`},
		{"confine twice", func(p *Plan) { b, _ := find[*NetConfine](t, p); b.Addresses = []string{"10.7.0.2", "10.7.0.2"} },
			`op 14 (net.confine): addresses: "10.7.0.2" is listed twice`},
		{"veth name", func(p *Plan) { b, _ := find[*VethAdd](t, p); b.Name = "vsc-a-very-long-name" },
			`op 15 (veth.add): name: link name "vsc-a-very-long-name" is 20 bytes`},
		{"veth links", func(p *Plan) { b, _ := find[*VethAdd](t, p); b.Links = nil },
			`op 15 (veth.add): links: 0 links for 1 addresses`},
		{"veth table", func(p *Plan) { b, _ := find[*VethAdd](t, p); b.Tables = []string{"255"} },
			`op 15 (veth.add): tables: "255" is not a routing table number`},
		{"veth address of another guest", func(p *Plan) { b, _ := find[*VethAdd](t, p); b.Addresses = []string{"10.7.0.2/16"} },
			`op 15 (veth.add): addr:10.7.0.2 is also claimed by op 1 (addr.add, owner guest.web)`},
		{"veth name of a link", func(p *Plan) { b, _ := find[*VethAdd](t, p); b.Name = "eth0.7" },
			`op 15 (veth.add): link:eth0.7 is also claimed by op 0 (link.add, owner host)`},

		// seccomp.set
		{"seccomp unknown", func(p *Plan) { b, _ := find[*SeccompSet](t, p); b.Deny = []string{"open_by_handle"} },
			`op 19 (seccomp.set): deny: "open_by_handle" is not a Linux syscall`},
		{"seccomp empty", func(p *Plan) { b, _ := find[*SeccompSet](t, p); b.Deny = nil }, `op 19 (seccomp.set): deny: empty list`},
		{"seccomp twice", func(p *Plan) { b, _ := find[*SeccompSet](t, p); b.Deny = []string{"bpf", "bpf"} },
			`op 19 (seccomp.set): deny: "bpf" is listed twice`},
		{"ns kind twice", func(p *Plan) { b, _ := find[*NsNew](t, p); b.Kinds = append(b.Kinds, "pid") }, `op 8 (ns.new): kinds: "pid" is listed twice`},
		{"ns no kinds", func(p *Plan) { b, _ := find[*NsNew](t, p); b.Kinds = nil }, `op 8 (ns.new): kinds: empty list`},

		// hook.run
		{"hook phase", func(p *Plan) { b, _ := find[*HookRun](t, p); b.Phase = "pre-start" },
			`op 9 (hook.run): phase: "pre-start" is not one of initialize, prepre_start, pre_start, post_start, pre_stop, post_stop`},
		{"hook command", func(p *Plan) { b, _ := find[*HookRun](t, p); b.Command = "" }, `op 9 (hook.run): command: empty`},

		// cgroup.set
		{"cpus", func(p *Plan) { b, _ := find[*CgroupSet](t, p); b.Cpus = "0-" }, `op 13 (cgroup.set): cpus: "0-" is not a cpu list`},
		{"mems", func(p *Plan) { b, _ := find[*CgroupSet](t, p); b.Mems = "a" }, `op 13 (cgroup.set): mems: "a" is not a node list`},
		{"cpu_max", func(p *Plan) { b, _ := find[*CgroupSet](t, p); b.CPUMax = "25000/100000" }, `op 13 (cgroup.set): cpu_max: "25000/100000" is not "QUOTA PERIOD"`},
		{"cpu_max period", func(p *Plan) { b, _ := find[*CgroupSet](t, p); b.CPUMax = "25000 10" }, `cpu_max: "25000 10" is not`},
		{"cpu_weight", func(p *Plan) { b, _ := find[*CgroupSet](t, p); b.CPUWeight = 10001 }, `op 13 (cgroup.set): cpu_weight: 10001 is out of range 1..10000`},
		{"memory_max", func(p *Plan) { b, _ := find[*CgroupSet](t, p); b.MemoryMax = -1 }, `op 13 (cgroup.set): memory_max: -1 is negative`},
		{"pids_max", func(p *Plan) { b, _ := find[*CgroupSet](t, p); b.PidsMax = -1 }, `op 13 (cgroup.set): pids_max: -1 is negative`},

		// rlimit.set
		{"rlimit resource", func(p *Plan) { b, _ := find[*RlimitSet](t, p); b.Resource = "NOFILE" }, `op 16 (rlimit.set): resource: "NOFILE" is not one of as, core`},
		{"rlimit soft", func(p *Plan) { b, _ := find[*RlimitSet](t, p); b.Soft, b.Hard = math.MaxUint64, 4096 },
			`op 16 (rlimit.set): soft: soft limit unlimited is above hard limit 4096`},

		// uts.set
		{"nodename", func(p *Plan) { b, _ := find[*UTSSet](t, p); b.Nodename = "" }, `op 17 (uts.set): nodename: empty`},
		{"nodename long", func(p *Plan) { b, _ := find[*UTSSet](t, p); b.Nodename = strings.Repeat("w", 65) }, `op 17 (uts.set): nodename: "www`},
		{"domainname long", func(p *Plan) { b, _ := find[*UTSSet](t, p); b.Domainname = strings.Repeat("d", 65) }, `is 65 bytes, longer than 64`},

		// caps.drop
		{"cap case", func(p *Plan) { b, _ := find[*CapsDrop](t, p); b.Drop = []string{"sys_admin"} },
			`op 18 (caps.drop): drop: "sys_admin" is not a capability name like SYS_ADMIN`},
		{"cap prefix", func(p *Plan) { b, _ := find[*CapsDrop](t, p); b.Drop = []string{"CAP_SYS_ADMIN"} },
			`op 18 (caps.drop): drop: "CAP_SYS_ADMIN": write it without the CAP_ prefix`},
		{"caps none", func(p *Plan) { b, _ := find[*CapsDrop](t, p); b.Drop = nil }, `op 18 (caps.drop): drop: empty list`},

		// init.exec
		{"init style", func(p *Plan) { b, _ := find[*InitExec](t, p); b.Style = "upstart" },
			`op 20 (init.exec): style: "upstart" is not one of sysv, plain, fakeinit, none`},
		{"init command", func(p *Plan) { b, _ := find[*InitExec](t, p); b.Command = nil }, `op 20 (init.exec): command: style sysv needs a command`},
		{"init none command", func(p *Plan) { b, _ := find[*InitExec](t, p); b.Style = "none" }, `op 20 (init.exec): command: style none runs no command`},
		{"nice high", func(p *Plan) { b, _ := find[*InitExec](t, p); b.Nice = 20 }, `op 20 (init.exec): nice: 20 is out of range -20..19`},
		{"nice low", func(p *Plan) { b, _ := find[*InitExec](t, p); b.Nice = -21 }, `nice: -21 is out of range -20..19`},
		{"init root", func(p *Plan) { b, _ := find[*InitExec](t, p); b.Root = "" }, `op 20 (init.exec): root: "" is not an absolute path`},

		// Claims: no object twice, no shared address, label, link,
		// priority, route, context, project id or mount target.
		{"link twice", func(p *Plan) {
			p.Add(OwnerHost, "f:1:1", &LinkAdd{Name: "eth0.7", Type: "vlan", Link: "eth1", VlanID: 8})
		},
			`op 21 (link.add): link:eth0.7 is also claimed by op 0 (link.add, owner host)`},
		{"address of two guests", func(p *Plan) { p.Add("guest.db", "f:1:1", &AddrAdd{Dev: "eth0", Address: "10.7.0.2/24"}) },
			`op 21 (addr.add): addr:10.7.0.2 is also claimed by op 1 (addr.add, owner guest.web)`},
		{"address twice", func(p *Plan) { p.Add("guest.web", "f:1:1", &AddrAdd{Dev: "eth0", Address: "10.7.0.2/24"}) },
			`op 21 (addr.add): addr:10.7.0.2 is also claimed by op 1`},
		{"label twice", func(p *Plan) {
			p.Add("guest.db", "f:1:1", &AddrAdd{Dev: "eth0.7", Address: "10.7.0.3/16", Label: "eth0.7:web"})
		}, `op 21 (addr.add): label:eth0.7:web is also claimed by op 1 (addr.add, owner guest.web)`},
		{"priority twice", func(p *Plan) { p.Add(OwnerHost, "f:1:1", &RuleAdd{From: "10.8.0.0/16", Table: 8, Priority: 1007}) },
			`op 21 (rule.add): prio:1007 is also claimed by op 3 (rule.add, owner host)`},
		{"route twice", func(p *Plan) { p.Add(OwnerHost, "f:1:1", &RouteAdd{Table: 7, To: "default", Dev: "eth1"}) },
			`op 21 (route.add): route:7:0.0.0.0/0 is also claimed by op 2`},
		{"context of two guests", func(p *Plan) {
			p.Add("guest.db", "f:1:1", &NsNew{Guest: "db", Context: 300, Kinds: []string{"mnt"}})
		}, `op 21 (ns.new): context:300 is also claimed by op 8 (ns.new, owner guest.web)`},
		{"context by cgroup of another guest", func(p *Plan) {
			p.Add("guest.db", "f:1:1", &CgroupSet{Guest: "db", Context: 300})
		}, `op 21 (cgroup.set): context:300 is also claimed by op 8 (ns.new, owner guest.web)`},
		{"project id of two guests", func(p *Plan) {
			p.Add("guest.db", "f:1:1", &QuotaSet{Path: "/srv/db", ID: 300, Inodes: 10})
		}, `op 21 (quota.set): projid:300 is also claimed by op 5 (projid.set, owner guest.web)`},
		{"project id set twice", func(p *Plan) {
			p.Add("guest.web", "f:1:1", &ProjidSet{Path: "/srv/web", ID: 300})
		}, `op 21 (projid.set): projid:300 is also claimed by op 5 (projid.set, owner guest.web)`},
		{"mount twice", func(p *Plan) {
			p.Add(OwnerHost, "f:1:1", &Mount{Source: "/dev/vg/b", Target: "/var/lib/vservers/web", Type: "ext4"})
		}, `op 21 (mount): mount:/var/lib/vservers/web is also claimed by op 4 (mount, owner host)`},
		{"root of two guests", func(p *Plan) {
			p.Add("guest.db", "f:1:1", &GuestBuild{Guest: "db", Method: "skeleton", Root: "/var/lib/vservers/web"})
		}, `op 21 (guest.build): root:/var/lib/vservers/web is also claimed by op 7`},
		{"two inits", func(p *Plan) {
			p.Add("guest.web", "f:1:1", &InitExec{Guest: "web", Root: "/x", Style: "plain", Command: []string{"/sbin/init"}})
		}, `op 21 (init.exec): init:web is also claimed by op 20`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := goldenPlan()
			c.edit(p)
			err := Verify(p)
			if err == nil {
				t.Fatalf("Verify accepted it, want %s", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("got\n%v\nwant an error containing\n%s", err, c.want)
			}
		})
	}
}

// TestVerifyCollects checks that Verify reports every problem, not the
// first one.
func TestVerifyCollects(t *testing.T) {
	p := goldenPlan()
	p.Host = ""
	p.Ops[0].Body.(*LinkAdd).VlanID = 0
	p.Ops[1].Body.(*AddrAdd).Label = "x"
	err := Verify(p)
	if err == nil {
		t.Fatal("accepted")
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 3 {
		t.Errorf("%d problems reported, want 3:\n%v", n, err)
	}
}

func TestVerifyNil(t *testing.T) {
	if Verify(nil) == nil {
		t.Error("accepted a nil plan")
	}
}
