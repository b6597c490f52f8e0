package executor

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"vsc/internal/nsthread"
)

// Host is the kernel of one host as the executor reaches it: a netlink
// handle in the network namespace it aims at, vsc's own rtnetlink socket
// there (for the routes, rules and addresses it batches), and the folder
// where vsc keeps its record of that host.
type Host struct {
	name     string
	netns    string
	nl       *netlink.Handle
	rt       *rtnl
	stateDir string
	// linkCache holds links looked up by name during a run; a change to a
	// link empties it.
	linkCache map[string]netlink.Link
}

// openHost opens a netlink handle and an rtnetlink socket in the named
// network namespace ("" is the process's own).
func openHost(name string, o *Options) (*Host, error) {
	h := &Host{name: name, netns: o.NetNS, stateDir: filepath.Join(o.stateDir(), name)}
	var err error
	if o.NetNS == "" {
		h.nl, err = netlink.NewHandle()
	} else {
		var ns netns.NsHandle
		ns, err = netns.GetFromName(o.NetNS)
		if err != nil {
			return nil, fmt.Errorf("network namespace %q: %w (create it with `ip netns add %s`)", o.NetNS, err, o.NetNS)
		}
		defer ns.Close()
		h.nl, err = netlink.NewHandleAt(ns)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot open netlink: %w", err)
	}
	if h.rt, err = openRtnl(h); err != nil {
		h.close()
		return nil, err
	}
	return h, nil
}

func (h *Host) close() {
	if h.nl != nil {
		h.nl.Close()
	}
	h.rt.close()
}

// inNetns runs f on a thread that is in the host's network namespace, for
// what netlink cannot reach: the /proc/sys/net files of that namespace.
func (h *Host) inNetns(f func() error) error {
	return nsthread.Named(h.netns, f)
}

// where names the network namespace for messages.
func (h *Host) where() string {
	if h.netns == "" {
		return "this host"
	}
	return fmt.Sprintf("network namespace %q", h.netns)
}

// link returns the link of that name, from the run's cache when it was
// looked up before: thousands of addresses on one link need one lookup.
func (h *Host) link(name string) (netlink.Link, error) {
	if l, ok := h.linkCache[name]; ok {
		return l, nil
	}
	l, err := h.nl.LinkByName(name)
	if err != nil {
		return nil, err
	}
	if h.linkCache == nil {
		h.linkCache = map[string]netlink.Link{}
	}
	h.linkCache[name] = l
	return l, nil
}

// links lists the names of the links present now.
func (h *Host) links() (map[string]bool, error) {
	names, err := linkNames(h)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(names))
	for _, name := range names {
		out[name] = true
	}
	return out, nil
}

// prefixOf reads a netlink address or network as a prefix, host bits
// kept. nil is the whole address space of family (a default route, a rule
// from all); so are bytes that are no IP address, with ok false.
func prefixOf(n *net.IPNet, family int) (netip.Prefix, bool) {
	all := netip.PrefixFrom(netip.IPv4Unspecified(), 0)
	if family == netlink.FAMILY_V6 {
		all = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
	}
	if n == nil {
		return all, true
	}
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return all, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), ones), true
}
