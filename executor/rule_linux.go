package executor

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"vsc/ir"
)

func init() { register(ir.KindRuleAdd, ruleHandler{}) }

// ruleHandler applies rule.add:
// `ip rule add from 10.7.0.0/16 table 7 priority 1007`. Its rules carry
// vscProtocol, as its routes do.
type ruleHandler struct{}

// kernelRules are the priorities of the kernel's own rules (local, main,
// default), which vsc never touches; ir.Verify keeps them out of plans.
var kernelRules = map[int]bool{0: true, 32766: true, 32767: true}

func ruleKey(priority int) string { return "rule:" + strconv.Itoa(priority) }

func (ruleHandler) key(b ir.Body) string { return ruleKey(b.(*ir.RuleAdd).Priority) }

// observe lists the rules of both families once and keeps those at the
// priorities the bodies name.
func (ruleHandler) observe(h *Host, bodies []ir.Body) (map[string]live, error) {
	prios := map[int]bool{}
	for _, b := range bodies {
		prios[b.(*ir.RuleAdd).Priority] = true
	}
	if len(prios) == 0 {
		return map[string]live{}, nil
	}
	rules, err := listRules(h)
	if err != nil {
		return nil, err
	}
	found := map[string][]live{}
	for _, r := range rules {
		if !prios[r.Priority] || kernelRules[r.Priority] {
			continue
		}
		k := ruleKey(r.Priority)
		found[k] = append(found[k], live{body: ruleBody(r), marked: r.Protocol == vscProtocol})
	}
	return pickLive(ruleHandler{}, found, bodies), nil
}

// ruleBody describes a live rule as the op that would make it. What a
// rule.add cannot say (an fwmark, an iif, a goto…) follows the source
// network in ip(8)'s words, so that the rule is another object and the
// messages say why.
func ruleBody(r netlink.Rule) *ir.RuleAdd {
	from, _ := prefixOf(r.Src, r.Family)
	from = from.Masked()
	return &ir.RuleAdd{From: from.String() + ruleExtras(r), Table: r.Table, Priority: r.Priority}
}

func ruleExtras(r netlink.Rule) string {
	var b strings.Builder
	add := func(format string, args ...any) { fmt.Fprintf(&b, " "+format, args...) }
	if r.Invert {
		add("not")
	}
	if r.Dst != nil {
		add("to %s", r.Dst)
	}
	if r.Tos != 0 {
		add("tos %#x", r.Tos)
	}
	if r.Mark != 0 || r.Mask != nil {
		if r.Mask != nil && *r.Mask != 0xffffffff {
			add("fwmark %#x/%#x", r.Mark, *r.Mask)
		} else {
			add("fwmark %#x", r.Mark)
		}
	}
	if r.IifName != "" {
		add("iif %s", r.IifName)
	}
	if r.OifName != "" {
		add("oif %s", r.OifName)
	}
	if r.TunID != 0 {
		add("tun_id %d", r.TunID)
	}
	if r.IPProto != 0 {
		add("ipproto %d", r.IPProto)
	}
	if r.Sport != nil {
		add("sport %d-%d", r.Sport.Start, r.Sport.End)
	}
	if r.Dport != nil {
		add("dport %d-%d", r.Dport.Start, r.Dport.End)
	}
	if r.UIDRange != nil {
		add("uidrange %d-%d", r.UIDRange.Start, r.UIDRange.End)
	}
	if r.SuppressPrefixlen >= 0 {
		add("suppress_prefixlength %d", r.SuppressPrefixlen)
	}
	if r.SuppressIfgroup >= 0 {
		add("suppress_ifgroup %d", r.SuppressIfgroup)
	}
	if r.Goto >= 0 {
		add("goto %d", r.Goto)
	}
	return b.String()
}

func (ruleHandler) same(want, got ir.Body) bool {
	w, g := want.(*ir.RuleAdd), got.(*ir.RuleAdd)
	if w.Table != g.Table || w.Priority != g.Priority {
		return false
	}
	wf, err1 := netip.ParsePrefix(w.From)
	gf, err2 := netip.ParsePrefix(g.From)
	if err1 != nil || err2 != nil {
		return false // a rule with more than a source network
	}
	return wf.Masked() == gf.Masked()
}

func (ruleHandler) precheck(h *Host, b ir.Body, w *world) error { return nil }

func (ruleHandler) create(h *Host, b ir.Body) error { return h.request(ruleHandler{}, b, true) }

// remove deletes the rule that matches every field given, the protocol
// included: vsc's rule, never another at that priority.
func (ruleHandler) remove(h *Host, b ir.Body) error { return h.request(ruleHandler{}, b, false) }

// request builds `ip rule add` (or del): the source network (none for
// "from all", as ip(8)'s), the priority, the table and vsc's protocol.
func (ruleHandler) request(h *Host, b ir.Body, create bool) ([]byte, error) {
	r := b.(*ir.RuleAdd)
	if kernelRules[r.Priority] {
		return nil, fmt.Errorf("priority %d holds one of the kernel's own rules, which vsc never touches", r.Priority)
	}
	from, err := netip.ParsePrefix(r.From)
	if err != nil {
		return nil, fmt.Errorf("from %q: %w", r.From, err)
	}
	from = from.Masked()
	typ, flags, action := uint16(unix.RTM_DELRULE), uint16(0), uint8(0)
	if create {
		typ, flags, action = unix.RTM_NEWRULE, unix.NLM_F_CREATE|unix.NLM_F_EXCL, unix.FR_ACT_TO_TBL
	}
	// struct fib_rule_hdr: family, dst_len, src_len, tos, table, res1,
	// res2, action, flags.
	m := newMsg(typ, flags, unix.SizeofRtMsg)
	frh := m.fixed()
	frh[0] = unix.AF_INET
	if from.Addr().Is6() {
		frh[0] = unix.AF_INET6
	}
	frh[2] = uint8(from.Bits())
	if r.Table < 256 {
		frh[4] = uint8(r.Table) // a larger one is FRA_TABLE's
	}
	frh[5] = unix.RTPROT_BOOT // res1, which the kernel ignores; FRA_PROTOCOL counts
	frh[7] = action
	if from.Bits() > 0 {
		m = m.attr(unix.FRA_SRC, from.Addr().AsSlice())
	}
	m = m.u32(unix.FRA_PRIORITY, uint32(r.Priority))
	if r.Table >= 256 {
		m = m.u32(unix.FRA_TABLE, uint32(r.Table))
	}
	m = m.u8(unix.FRA_PROTOCOL, vscProtocol)
	return m.bytes(), nil
}

func (ruleHandler) refused(b ir.Body, create bool, err error) error { return err }

func (ruleHandler) marked(h *Host) ([]ir.Body, error) {
	rules, err := listRules(h)
	if err != nil {
		return nil, err
	}
	var out []ir.Body
	for _, r := range rules {
		if r.Protocol == vscProtocol && !kernelRules[r.Priority] {
			out = append(out, ruleBody(r))
		}
	}
	return out, nil
}

// listRules dumps the rules of both families.
func listRules(h *Host) (rules []netlink.Rule, err error) {
	err = retryDump(func() (err error) {
		rules, err = h.nl.RuleList(netlink.FAMILY_ALL)
		return err
	})
	return rules, err
}
