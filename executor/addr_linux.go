package executor

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"

	"vsc/ir"
)

func init() { register(ir.KindAddrAdd, addrHandler{}) }

// addrHandler applies addr.add: `ip addr add ADDRESS dev DEV label LABEL`.
// Addresses carry no mark of their own: vsc knows its addresses by its
// record (and by their alias label in messages).
type addrHandler struct{}

func (addrHandler) key(b ir.Body) string {
	a := b.(*ir.AddrAdd)
	p, err := netip.ParsePrefix(a.Address)
	if err != nil {
		return "addr:" + a.Dev + ":" + a.Address
	}
	return "addr:" + a.Dev + ":" + p.Addr().String()
}

func (addrHandler) observe(h *Host, bodies []ir.Body) (map[string]live, error) {
	out := map[string]live{}
	seen := map[string]bool{}
	for _, b := range bodies {
		dev := b.(*ir.AddrAdd).Dev
		if seen[dev] {
			continue
		}
		seen[dev] = true
		link, err := h.nl.LinkByName(dev)
		if err != nil {
			if _, ok := err.(netlink.LinkNotFoundError); ok {
				continue // no link, no address on it
			}
			return nil, err
		}
		addrs, err := h.nl.AddrList(link, netlink.FAMILY_ALL)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if a.IPNet == nil {
				continue
			}
			p, ok := prefixOf(a.IPNet, 0)
			if !ok {
				continue
			}
			body := &ir.AddrAdd{Dev: dev, Address: p.String(), Label: a.Label}
			out[addrHandler{}.key(body)] = live{body: body}
		}
	}
	return out, nil
}

func (addrHandler) same(want, got ir.Body) bool {
	w, g := want.(*ir.AddrAdd), got.(*ir.AddrAdd)
	return w.Dev == g.Dev && w.Address == g.Address && labelOf(w) == labelOf(g)
}

// labelOf is the label the kernel gives an address: the dev name unless
// another label is set.
func labelOf(a *ir.AddrAdd) string {
	if a.Label == "" {
		return a.Dev
	}
	return a.Label
}

func (addrHandler) precheck(h *Host, b ir.Body, w *world) error {
	a := b.(*ir.AddrAdd)
	if !w.links[a.Dev] {
		return fmt.Errorf("%s has no link %q", h.where(), a.Dev)
	}
	return nil
}

func (addrHandler) create(h *Host, b ir.Body) error {
	a := b.(*ir.AddrAdd)
	link, addr, err := netlinkAddr(h, a)
	if err != nil {
		return err
	}
	return h.nl.AddrAdd(link, addr)
}

func (addrHandler) remove(h *Host, b ir.Body) error {
	a := b.(*ir.AddrAdd)
	link, addr, err := netlinkAddr(h, a)
	if err != nil {
		return err
	}
	if addr.IP.To4() != nil {
		if err := promoteSecondaries(h, a.Dev); err != nil {
			return err
		}
	}
	return h.nl.AddrDel(link, addr)
}

// promoteSecondaries makes the kernel keep the other IPv4 addresses of a
// subnet when its first (primary) address is removed. By default it
// deletes them all with it: removing one guest's address would take the
// other guests' addresses in that subnet — and the host's — with it.
// vsc sets net.ipv4.conf.DEV.promote_secondaries before it removes an
// address, as util-vserver hosts are advised to.
func promoteSecondaries(h *Host, dev string) error {
	name := filepath.Join("/proc/sys/net/ipv4/conf", dev, "promote_secondaries")
	return h.inNetns(func() error {
		cur, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", name, err)
		}
		if strings.TrimSpace(string(cur)) == "1" {
			return nil
		}
		if err := os.WriteFile(name, []byte("1\n"), 0o644); err != nil {
			return fmt.Errorf("cannot set %s: %w", name, err)
		}
		return nil
	})
}

func netlinkAddr(h *Host, a *ir.AddrAdd) (netlink.Link, *netlink.Addr, error) {
	link, err := h.link(a.Dev)
	if err != nil {
		return nil, nil, fmt.Errorf("link %q: %w", a.Dev, err)
	}
	ip, ipnet, err := net.ParseCIDR(a.Address)
	if err != nil {
		return nil, nil, err
	}
	ipnet.IP = ip // keep the host bits: the address, not its network
	return link, &netlink.Addr{IPNet: ipnet, Label: labelOf(a)}, nil
}
