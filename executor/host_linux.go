package executor

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"vsc/internal/nsthread"
	"vsc/internal/statedir"
)

// Host is the kernel of one host as the executor reaches it: a netlink
// handle in the network namespace it aims at, vsc's own rtnetlink socket
// there (for the routes, rules and addresses it batches), and the folder
// where vsc keeps its record of that host.
type Host struct {
	name  string
	netns string
	// ns is the network namespace netns named when the run opened it,
	// held open: every socket and thread of the run works in that one,
	// and checkNetns tells when the name has come to mean another.
	ns   netns.NsHandle
	nsID fileID
	nl   *netlink.Handle
	rt   *rtnl
	// stateRoot is the state dir (--state-dir); stateDir the host's
	// folder in it.
	stateRoot string
	stateDir  string
	// linkCache holds links looked up by name during a run; a change to a
	// link empties it.
	linkCache map[string]netlink.Link
}

// openHost opens a netlink handle and an rtnetlink socket in the named
// network namespace ("" is the process's own).
func openHost(name string, o *Options) (*Host, error) {
	h := &Host{name: name, netns: o.NetNS, ns: -1, stateRoot: o.stateDir(), stateDir: filepath.Join(o.stateDir(), name)}
	// The state dir is trusted before anything of it is read.
	if err := statedir.Prepare(h.stateRoot, h.stateDir); err != nil {
		return nil, err
	}
	var err error
	// Only NETLINK_ROUTE: vishvananda/netlink opens a socket of every
	// family it knows (XFRM, netfilter) when given none, and fails where
	// their modules cannot load.
	if o.NetNS == "" {
		h.nl, err = netlink.NewHandle(unix.NETLINK_ROUTE)
	} else {
		if h.ns, err = netns.GetFromName(o.NetNS); err != nil {
			return nil, fmt.Errorf("network namespace %q: %w (create it with `ip netns add %s`)", o.NetNS, err, o.NetNS)
		}
		var st unix.Stat_t
		if err := unix.Fstat(int(h.ns), &st); err != nil {
			h.close()
			return nil, fmt.Errorf("network namespace %q: %w", o.NetNS, err)
		}
		h.nsID = fileID{st.Dev, st.Ino}
		h.nl, err = netlink.NewHandleAt(h.ns, unix.NETLINK_ROUTE)
	}
	if err != nil {
		h.close()
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
	if h.ns >= 0 {
		h.ns.Close()
		h.ns = -1
	}
}

// inNetns runs f on a thread that is in the host's network namespace, for
// what netlink cannot reach: the /proc/sys/net files of that namespace.
func (h *Host) inNetns(f func() error) error {
	if h.ns < 0 {
		return f()
	}
	return nsthread.Run(h.ns, f)
}

// fileID is a file's identity: a namespace is the same one when its
// file's device and inode are.
type fileID struct{ dev, ino uint64 }

// checkNetns says whether the name --netns gave still names the network
// namespace the run works in: one deleted (ip netns del) or replaced by
// another of the same name during the run is an error naming it, since
// the run's changes then went where no one will find them.
func (h *Host) checkNetns() error {
	if h.ns < 0 {
		return nil
	}
	var st unix.Stat_t
	err := unix.Stat(filepath.Join(netnsDir, h.netns), &st)
	switch {
	case errors.Is(err, unix.ENOENT):
		return fmt.Errorf("network namespace %q was deleted during the run: the changes went to the namespace it named when the run started, which nothing reaches any more", h.netns)
	case err != nil:
		return fmt.Errorf("network namespace %q: %w", h.netns, err)
	case (fileID{st.Dev, st.Ino}) != h.nsID:
		return fmt.Errorf("network namespace %q was replaced by another during the run: the changes went to the namespace it named when the run started, not to the new one", h.netns)
	}
	return nil
}

// netnsDir is where ip netns keeps its named namespaces, as
// vishvananda/netns reads them.
const netnsDir = "/var/run/netns"

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
