package guest

import (
	"fmt"
	"slices"
	"strings"

	"vsc/ir"
)

// GuestPlan returns the ops of guest name (owner guest.NAME) as a plan of
// their own, renumbered, with their dependencies on other owners' ops
// dropped: the plan a guest is started from and recorded with. It keeps
// the host, source and digest of p. It fails when p has no init.exec for
// the guest.
func GuestPlan(p *ir.Plan, name string) (*ir.Plan, error) {
	owner := ir.GuestOwner(name)
	sub := &ir.Plan{FormatVersion: p.FormatVersion, Host: p.Host, Source: p.Source, SourceDigest: p.SourceDigest}
	ids := map[int]int{}
	for _, op := range p.Ops {
		if op.Owner != owner {
			continue
		}
		var after []int
		for _, a := range op.After {
			if n, ok := ids[a]; ok {
				after = append(after, n)
			}
		}
		ids[op.ID] = sub.Add(op.Owner, op.Origin, op.Body, after...).ID
	}
	if len(sub.Ops) == 0 {
		return nil, fmt.Errorf("host %q has no guest %q%s", p.Host, name, guestList(p))
	}
	if _, err := parse(sub); err != nil {
		return nil, err
	}
	if err := ir.Verify(sub); err != nil {
		return nil, fmt.Errorf("the ops of guest %q fail verification:\n%w", name, err)
	}
	return sub, nil
}

// Names lists the guests of a plan, in plan order.
func Names(p *ir.Plan) []string {
	var out []string
	for _, op := range p.Ops {
		if b, ok := op.Body.(*ir.NsNew); ok && !slices.Contains(out, b.Guest) {
			out = append(out, b.Guest)
		}
	}
	return out
}

func guestList(p *ir.Plan) string {
	names := Names(p)
	if len(names) == 0 {
		return " (it has no guests)"
	}
	return fmt.Sprintf(" (its guests: %s)", strings.Join(names, ", "))
}

// sequence is a guest's plan read for what the start sequence, exec and
// status need.
type sequence struct {
	name      string
	ns        *ir.NsNew
	init      *ir.InitExec
	uts       *ir.UTSSet
	caps      *ir.CapsDrop
	cgroup    *ir.CgroupSet
	dev       *ir.GuestDev
	mask      *ir.GuestMask
	seccomp   *ir.SeccompSet
	confine   *ir.NetConfine
	veth      *ir.VethAdd
	rlimits   []*ir.RlimitSet
	hooks     map[string][]*ir.Op // phase → hook.run ops, in order
	addresses []string
	// hookEnv is added to the environment of hooks: where the guest's
	// state is, so that a hook can run vsc exec.
	hookEnv []string
}

// withState sets the hooks' VSC_HOST and VSC_STATE_DIR.
func (s *sequence) withState(stateDir, host string) *sequence {
	s.hookEnv = []string{"VSC_HOST=" + host, "VSC_STATE_DIR=" + stateDir}
	return s
}

// parse reads a guest's plan. It fails when an op that must come once
// is missing or repeated, or comes before ns.new.
func parse(p *ir.Plan) (*sequence, error) {
	s := &sequence{hooks: map[string][]*ir.Op{}}
	once := func(what string, have bool, op *ir.Op) error {
		if have {
			return fmt.Errorf("%s: the guest has a second %s", op.Origin, what)
		}
		return nil
	}
	for _, op := range p.Ops {
		var err error
		switch b := op.Body.(type) {
		case *ir.NsNew:
			err = once("ns.new", s.ns != nil, op)
			s.ns, s.name = b, b.Guest
		case *ir.InitExec:
			err = once("init.exec", s.init != nil, op)
			s.init = b
		case *ir.UTSSet:
			err = once("uts.set", s.uts != nil, op)
			s.uts = b
		case *ir.CapsDrop:
			err = once("caps.drop", s.caps != nil, op)
			s.caps = b
		case *ir.CgroupSet:
			err = once("cgroup.set", s.cgroup != nil, op)
			s.cgroup = b
		case *ir.GuestDev:
			err = once("guest.dev", s.dev != nil, op)
			s.dev = b
		case *ir.GuestMask:
			err = once("guest.mask", s.mask != nil, op)
			s.mask = b
		case *ir.SeccompSet:
			err = once("seccomp.set", s.seccomp != nil, op)
			s.seccomp = b
		case *ir.NetConfine:
			err = once("net.confine", s.confine != nil || s.veth != nil, op)
			s.confine = b
		case *ir.VethAdd:
			err = once("veth.add", s.confine != nil || s.veth != nil, op)
			s.veth = b
		case *ir.RlimitSet:
			s.rlimits = append(s.rlimits, b)
		case *ir.HookRun:
			s.hooks[b.Phase] = append(s.hooks[b.Phase], op)
		case *ir.AddrAdd:
			s.addresses = append(s.addresses, b.Address)
		}
		if err != nil {
			return nil, err
		}
		switch op.Body.(type) {
		case *ir.GuestMount, *ir.CgroupSet, *ir.RlimitSet, *ir.UTSSet, *ir.CapsDrop, *ir.InitExec,
			*ir.GuestDev, *ir.GuestMask, *ir.SeccompSet, *ir.NetConfine, *ir.VethAdd:
			if s.ns == nil {
				return nil, fmt.Errorf("%s: %s comes before the guest's ns.new", op.Origin, op.Body.Kind())
			}
		}
	}
	switch {
	case s.ns == nil:
		return nil, fmt.Errorf("the plan has no ns.new for the guest")
	case s.init == nil:
		return nil, fmt.Errorf("the plan has no init.exec for guest %q", s.name)
	}
	return s, nil
}

func (s *sequence) hasKind(kind string) bool { return slices.Contains(s.ns.Kinds, kind) }

// walled checks that a guest's plan has every wall, before it starts: a
// plan of an older vsc, or one edited to leave one out, is refused
// rather than run without it.
func (s *sequence) walled() error {
	var missing []string
	for _, k := range []string{"user", "mnt", "pid"} {
		if !s.hasKind(k) {
			missing = append(missing, "a "+k+" namespace in ns.new")
		}
	}
	if s.ns.IDBase != ir.IDBase(s.ns.Context) || s.ns.IDBase == 0 || s.ns.IDCount != ir.GuestIDs {
		missing = append(missing, fmt.Sprintf("the id range of context %d (id_base %d, id_count %d)", s.ns.Context, ir.IDBase(s.ns.Context), ir.GuestIDs))
	}
	if s.dev == nil {
		missing = append(missing, "guest.dev")
	}
	if s.mask == nil {
		missing = append(missing, "guest.mask")
	}
	if s.seccomp == nil {
		missing = append(missing, "seccomp.set")
	}
	if s.caps == nil {
		missing = append(missing, "caps.drop")
	}
	if s.cgroup == nil {
		missing = append(missing, "cgroup.set")
	}
	if s.confine == nil && s.veth == nil {
		missing = append(missing, "net.confine or veth.add")
	}
	if s.veth != nil && !s.hasKind("net") {
		missing = append(missing, "a net namespace in ns.new for its veth.add")
	}
	if s.confine != nil && s.hasKind("net") {
		missing = append(missing, "veth.add (it has a net namespace, not the host's network)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("the plan of guest %s lacks %s: a guest does not start without its walls (compile the plan again with this vsc)", s.name, strings.Join(missing, ", "))
	}
	return nil
}
