package walls

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"vsc/internal/nsthread"
)

// The network of an isolated guest (veth.add): a veth pair, HOST in the
// host's network namespace and eth0 in the guest's. The guest's
// addresses are on eth0, with a default route through HOST (IPv4: on
// the link, HOST answering by proxy ARP; IPv6: via fe80::1, HOST's
// address). The host routes each address to HOST in each table given,
// and answers ARP and NDP for it on its link (a proxy neighbour entry),
// so that its rules and tables route the guest's traffic as they route
// the host's. HOST filters the guest's source addresses (rp_filter).
// The pair goes with the guest's network namespace; Unveth removes the
// proxy entries.

// vethProto marks the host routes vsc makes (as its executor does).
const vethProto = 118

// gateway6 is the host end's IPv6 address, the guest's IPv6 gateway.
var gateway6 = netip.MustParseAddr("fe80::1")

// Veth describes the pair of a guest, from its veth.add.
type Veth struct {
	Host      string         // the host end
	Addresses []netip.Prefix // the guest's, with their prefixes
	Links     []string       // the host link of each address
	Tables    []int          // where the host routes go
}

// Proxy is a proxy neighbour entry made for a guest's address.
type Proxy struct {
	Link    string `json:"link"`
	Address string `json:"address"`
}

// MakeVeth makes the pair of a guest whose init is pid, the host side in
// the network namespace hostNS ("" for vsc's own), and returns the proxy
// entries it made. It first checks that the host forwards for the guest,
// and fails naming the setting that is off. On failure it undoes what it
// did.
func MakeVeth(hostNS string, pid int, v Veth) (proxies []Proxy, err error) {
	if err := checkForwarding(hostNS, v); err != nil {
		return nil, err
	}
	host, err := handle(hostNS)
	if err != nil {
		return nil, err
	}
	defer host.Close()
	guestNS, err := netns.GetFromPid(pid)
	if err != nil {
		return nil, fmt.Errorf("veth.add: the guest's network namespace: %w", err)
	}
	defer guestNS.Close()
	la := netlink.NewLinkAttrs()
	la.Name = v.Host
	veth := &netlink.Veth{LinkAttrs: la, PeerName: "eth0", PeerNamespace: netlink.NsFd(guestNS)}
	if err := host.LinkAdd(veth); err != nil {
		return nil, fmt.Errorf("veth.add: ip link add %s type veth peer name eth0 (in the guest): %w", v.Host, err)
	}
	defer func() {
		if err != nil {
			Unveth(hostNS, v.Host, proxies)
		}
	}()
	hostEnd, err := host.LinkByName(v.Host)
	if err != nil {
		return nil, fmt.Errorf("veth.add: %s: %w", v.Host, err)
	}
	// The host end: proxy ARP (the guest's neighbours are behind it),
	// strict reverse-path filtering (the guest sends from its addresses
	// only), forwarding; no router advertisements accepted from the guest.
	if err := nsthread.Named(hostNS, func() error {
		for _, kv := range [][2]string{
			{"ipv4/conf/" + v.Host + "/proxy_arp", "1"}, {"ipv4/conf/" + v.Host + "/rp_filter", "1"},
			{"ipv4/conf/" + v.Host + "/forwarding", "1"}, {"ipv6/conf/" + v.Host + "/accept_ra", "0"},
		} {
			if err := writeSysctl(kv[0], kv[1]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("veth.add: %w", err)
	}
	has6 := false
	for _, p := range v.Addresses {
		has6 = has6 || !p.Addr().Is4()
	}
	if has6 {
		a := &netlink.Addr{IPNet: ipNet(netip.PrefixFrom(gateway6, 64)), Flags: unix.IFA_F_NODAD}
		if err := host.AddrAdd(hostEnd, a); err != nil {
			return nil, fmt.Errorf("veth.add: %s: ip addr add %s/64: %w", v.Host, gateway6, err)
		}
	}
	if err := host.LinkSetUp(hostEnd); err != nil {
		return nil, fmt.Errorf("veth.add: ip link set %s up: %w", v.Host, err)
	}
	if err := guestSide(guestNS, v); err != nil {
		return nil, err
	}
	for _, p := range v.Addresses {
		a := p.Addr()
		for _, table := range v.Tables {
			r := &netlink.Route{LinkIndex: hostEnd.Attrs().Index, Dst: ipNet(netip.PrefixFrom(a, a.BitLen())),
				Table: table, Scope: netlink.SCOPE_LINK, Protocol: vethProto}
			if err := host.RouteAdd(r); err != nil {
				return nil, fmt.Errorf("veth.add: ip route add %s dev %s table %d: %w", a, v.Host, table, err)
			}
		}
	}
	for i, p := range v.Addresses {
		link, err := host.LinkByName(v.Links[i])
		if err != nil {
			return nil, fmt.Errorf("veth.add: the guest's address %s is on link %s: %w", p.Addr(), v.Links[i], err)
		}
		n := &netlink.Neigh{LinkIndex: link.Attrs().Index, Family: family(p.Addr()), Flags: netlink.NTF_PROXY, IP: p.Addr().AsSlice()}
		if err := host.NeighAdd(n); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("veth.add: ip neigh add proxy %s dev %s: %w", p.Addr(), v.Links[i], err)
		}
		proxies = append(proxies, Proxy{Link: v.Links[i], Address: p.Addr().String()})
	}
	return proxies, nil
}

// guestSide configures the guest's end: lo and eth0 up, the addresses,
// the default routes.
func guestSide(ns netns.NsHandle, v Veth) error {
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("veth.add: netlink in the guest: %w", err)
	}
	defer h.Close()
	for _, name := range []string{"lo", "eth0"} {
		l, err := h.LinkByName(name)
		if err != nil {
			return fmt.Errorf("veth.add: the guest's %s: %w", name, err)
		}
		if name == "eth0" {
			for _, p := range v.Addresses {
				if err := h.AddrAdd(l, &netlink.Addr{IPNet: ipNet(p), Flags: unix.IFA_F_NODAD}); err != nil {
					return fmt.Errorf("veth.add: in the guest, ip addr add %s dev eth0: %w", p, err)
				}
			}
		}
		if err := h.LinkSetUp(l); err != nil {
			return fmt.Errorf("veth.add: in the guest, ip link set %s up: %w", name, err)
		}
	}
	eth0, err := h.LinkByName("eth0")
	if err != nil {
		return fmt.Errorf("veth.add: the guest's eth0: %w", err)
	}
	has4, has6 := false, false
	for _, p := range v.Addresses {
		has4, has6 = has4 || p.Addr().Is4(), has6 || !p.Addr().Is4()
	}
	if has4 {
		r := &netlink.Route{LinkIndex: eth0.Attrs().Index, Dst: ipNet(netip.MustParsePrefix("0.0.0.0/0")), Scope: netlink.SCOPE_LINK}
		if err := h.RouteAdd(r); err != nil {
			return fmt.Errorf("veth.add: in the guest, ip route add default dev eth0: %w", err)
		}
	}
	if has6 {
		r := &netlink.Route{LinkIndex: eth0.Attrs().Index, Dst: ipNet(netip.MustParsePrefix("::/0")), Gw: gateway6.AsSlice()}
		if err := h.RouteAdd(r); err != nil {
			return fmt.Errorf("veth.add: in the guest, ip route add default via %s dev eth0: %w", gateway6, err)
		}
	}
	return nil
}

// Unveth undoes what MakeVeth made on the host: the host end (if the
// guest's network namespace has not taken it with it) and the proxy
// entries. A missing object is already undone.
func Unveth(hostNS, name string, proxies []Proxy) error {
	h, err := handle(hostNS)
	if err != nil {
		return err
	}
	defer h.Close()
	var errs []error
	if l, err := h.LinkByName(name); err == nil {
		if err := h.LinkDel(l); err != nil && !errors.Is(err, unix.ENODEV) {
			errs = append(errs, fmt.Errorf("ip link del %s: %w", name, err))
		}
	}
	for _, p := range proxies {
		a, err := netip.ParseAddr(p.Address)
		if err != nil {
			continue
		}
		link, err := h.LinkByName(p.Link)
		if err != nil {
			continue // the link went, and its entries with it
		}
		n := &netlink.Neigh{LinkIndex: link.Attrs().Index, Family: family(a), Flags: netlink.NTF_PROXY, IP: a.AsSlice()}
		if err := h.NeighDel(n); err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("ip neigh del proxy %s dev %s: %w", p.Address, p.Link, err))
		}
	}
	return errors.Join(errs...)
}

// checkForwarding checks that the host forwards for the guest's
// addresses: IPv4 forwarding on each address's link; IPv6 forwarding
// and proxy NDP.
func checkForwarding(hostNS string, v Veth) error {
	return nsthread.Named(hostNS, func() error {
		var off []string
		need := func(key string) {
			if val, err := readSysctl(key); err != nil || val != "1" {
				if !slices.Contains(off, key) {
					off = append(off, key)
				}
			}
		}
		for i, p := range v.Addresses {
			if p.Addr().Is4() {
				need("net/ipv4/conf/" + v.Links[i] + "/forwarding")
			} else {
				need("net/ipv6/conf/all/forwarding")
				need("net/ipv6/conf/" + v.Links[i] + "/proxy_ndp")
			}
		}
		if len(off) == 0 {
			return nil
		}
		for i, k := range off {
			off[i] = strings.ReplaceAll(k, "/", ".") + "=1"
		}
		return fmt.Errorf("an isolated guest is routed by the host, which does not forward for it: set %s (sysctl -w; in /etc/sysctl.d to keep it)", strings.Join(off, ", "))
	})
}

func readSysctl(key string) (string, error) {
	data, err := os.ReadFile("/proc/sys/" + key)
	return strings.TrimSpace(string(data)), err
}

func writeSysctl(key, value string) error {
	if err := os.WriteFile("/proc/sys/net/"+key, []byte(value), 0); err != nil {
		return fmt.Errorf("sysctl net.%s=%s: %w", strings.ReplaceAll(key, "/", "."), value, err)
	}
	return nil
}

// handle opens a netlink handle (NETLINK_ROUTE only) in the named network
// namespace, "" for vsc's own.
func handle(name string) (*netlink.Handle, error) {
	if name == "" {
		return netlink.NewHandle(unix.NETLINK_ROUTE)
	}
	ns, err := netns.GetFromName(name)
	if err != nil {
		return nil, fmt.Errorf("network namespace %q: %w", name, err)
	}
	defer ns.Close()
	return netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
}

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func family(a netip.Addr) int {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// ParseTables reads the table numbers of a veth.add.
func ParseTables(tables []string) ([]int, error) {
	var out []int
	for _, t := range tables {
		n, err := strconv.ParseUint(t, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("veth.add: table %q: %w", t, err)
		}
		out = append(out, int(n))
	}
	return out, nil
}
