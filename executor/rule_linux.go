package executor

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"

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
	var rules []netlink.Rule
	err := retryDump(func() (err error) {
		rules, err = h.nl.RuleList(netlink.FAMILY_ALL)
		return err
	})
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

func (ruleHandler) create(h *Host, b ir.Body) error {
	r, err := netlinkRule(b.(*ir.RuleAdd))
	if err != nil {
		return err
	}
	return h.nl.RuleAdd(r)
}

func (ruleHandler) remove(h *Host, b ir.Body) error {
	r, err := netlinkRule(b.(*ir.RuleAdd))
	if err != nil {
		return err
	}
	// The kernel deletes the rule that matches every field given, the
	// protocol included: vsc's rule, never another at that priority.
	return h.nl.RuleDel(r)
}

func netlinkRule(b *ir.RuleAdd) (*netlink.Rule, error) {
	if kernelRules[b.Priority] {
		return nil, fmt.Errorf("priority %d holds one of the kernel's own rules, which vsc never touches", b.Priority)
	}
	from, err := netip.ParsePrefix(b.From)
	if err != nil {
		return nil, fmt.Errorf("from %q: %w", b.From, err)
	}
	from = from.Masked()
	r := netlink.NewRule()
	r.Priority = b.Priority
	r.Table = b.Table
	r.Protocol = vscProtocol
	r.Family = netlink.FAMILY_V4
	if from.Addr().Is6() {
		r.Family = netlink.FAMILY_V6
	}
	// From everywhere is no source at all, as ip(8)'s "from all".
	if from.Bits() > 0 {
		r.Src = &net.IPNet{IP: from.Addr().AsSlice(), Mask: net.CIDRMask(from.Bits(), from.Addr().BitLen())}
	}
	return r, nil
}

func (ruleHandler) marks() {}
