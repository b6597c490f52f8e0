package executor

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

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

func (addrHandler) create(h *Host, b ir.Body) error { return h.request(addrHandler{}, b, true) }

func (addrHandler) remove(h *Host, b ir.Body) error {
	if (addrHandler{}).prepares(b, false) {
		if err := promoteSecondaries(h, b.(*ir.AddrAdd).Dev); err != nil {
			return err
		}
	}
	return h.request(addrHandler{}, b, false)
}

// request builds `ip addr add ADDRESS dev DEV label LABEL` (or del): the
// address as local and peer, and for IPv4 its label and the broadcast
// address of its network (/30 or larger, as vishvananda/netlink sets it
// and `ip addr add … brd +` does).
func (addrHandler) request(h *Host, b ir.Body, create bool) ([]byte, error) {
	a := b.(*ir.AddrAdd)
	link, err := h.link(a.Dev)
	if err != nil {
		return nil, fmt.Errorf("link %q: %w", a.Dev, err)
	}
	p, err := netip.ParsePrefix(a.Address)
	if err != nil {
		return nil, err
	}
	ip := p.Addr().Unmap()
	typ, flags := uint16(unix.RTM_DELADDR), uint16(0)
	if create {
		typ, flags = unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL
	}
	// struct ifaddrmsg: family, prefixlen, flags, scope, index.
	m := newMsg(typ, flags, unix.SizeofIfAddrmsg)
	ifa := m.fixed()
	ifa[0] = unix.AF_INET6
	if ip.Is4() {
		ifa[0] = unix.AF_INET
	}
	ifa[1] = uint8(p.Bits())
	ne.PutUint32(ifa[4:], uint32(link.Attrs().Index))
	m = m.attr(unix.IFA_LOCAL, ip.AsSlice())
	m = m.attr(unix.IFA_ADDRESS, ip.AsSlice())
	if ip.Is4() {
		if p.Bits() < 31 {
			bcast := ip.As4()
			for i := range bcast {
				bits := min(max(p.Bits()-8*i, 0), 8)
				bcast[i] |= 0xff >> bits
			}
			m = m.attr(unix.IFA_BROADCAST, bcast[:])
		}
		m = m.str(unix.IFA_LABEL, labelOf(a))
	}
	return m.bytes(), nil
}

func (addrHandler) refused(b ir.Body, create bool, err error) error { return err }

// prepares tells that the removal of an IPv4 address needs its link's
// promote_secondaries set first: it goes alone.
func (addrHandler) prepares(b ir.Body, create bool) bool {
	p, err := netip.ParsePrefix(b.(*ir.AddrAdd).Address)
	return !create && err == nil && p.Addr().Unmap().Is4()
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
