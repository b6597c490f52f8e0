package compiler

import (
	"fmt"
	"iter"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// DefaultVserversDir is where guest roots live when a host does not say.
const DefaultVserversDir = "/var/lib/vservers"

// Model holds the lookups that checks and lowering share, built once per
// configuration so that no check scans the whole configuration per guest.
type Model struct {
	Config  *lang.Config
	hosts   map[string]*lang.Host
	guestOf map[*lang.Host][]*lang.Guest
}

// NewModel indexes a configuration.
func NewModel(cfg *lang.Config) *Model {
	m := &Model{Config: cfg, hosts: map[string]*lang.Host{}, guestOf: map[*lang.Host][]*lang.Guest{}}
	for _, h := range cfg.Hosts {
		m.hosts[h.Name.V] = h
	}
	for _, g := range cfg.Guests {
		if h := m.HostOf(g); h != nil {
			m.guestOf[h] = append(m.guestOf[h], g)
		}
	}
	return m
}

// Host returns the host of that name, nil if there is none.
func (m *Model) Host(name string) *lang.Host { return m.hosts[name] }

// HostOf returns the host a guest runs on: the one it names, or the only
// host of the configuration. nil when that cannot be told (the reference
// check reports why).
func (m *Model) HostOf(g *lang.Guest) *lang.Host {
	if g.Host.Set {
		return m.hosts[g.Host.V]
	}
	if len(m.Config.Hosts) == 1 {
		return m.Config.Hosts[0]
	}
	return nil
}

// GuestsOf returns the guests of a host, in configuration order.
func (m *Model) GuestsOf(h *lang.Host) []*lang.Guest { return m.guestOf[h] }

// VserversDir returns the folder a host keeps guest roots in.
func VserversDir(h *lang.Host) string {
	if h != nil && h.VserversDir.Set {
		return h.VserversDir.V
	}
	return DefaultVserversDir
}

// RootOf returns a guest's root folder and the range that decides it: the
// root attribute, or the guest's label when the root is the host's default.
func (m *Model) RootOf(g *lang.Guest) (string, hcl.Range) {
	if g.Root.Set {
		return g.Root.V, g.Root.Range
	}
	return path.Join(VserversDir(m.HostOf(g)), g.SysName), g.Label.Range
}

// Link reports whether a host has a link of that name (an interface it
// declares or a VLAN vsc creates), and where it is declared.
func Link(h *lang.Host, name string) (hcl.Range, bool) {
	for _, i := range h.Interfaces {
		if i.Name.V == name {
			return i.Name.Range, true
		}
	}
	for _, v := range h.VLANs {
		if v.Name.V == name {
			return v.Name.Range, true
		}
	}
	return hcl.Range{}, false
}

// Table returns the table a rule or route names, by name or by number.
func Table(h *lang.Host, ref string) *lang.Table {
	for _, t := range h.Tables {
		if t.Name.V == ref {
			return t
		}
	}
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
		for _, t := range h.Tables {
			if t.ID.Set && t.ID.V == n {
				return t
			}
		}
	}
	return nil
}

// TableID returns the number a rule's table reference stands for: a
// declared table's id, or a plain number (a table vsc does not manage,
// such as main = 254). ok is false when it is neither.
func TableID(h *lang.Host, ref string) (id int64, ok bool) {
	if t := Table(h, ref); t != nil && t.ID.Set {
		return t.ID.V, true
	}
	n, err := strconv.ParseInt(ref, 10, 64)
	return n, err == nil
}

// ParseAddress reads an interface address: "10.7.0.2/16", or a bare
// address meaning a single host (/32, /128). The host bits are kept.
func ParseAddress(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address with an optional /prefix", s)
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q has a zone; give the address without %%zone", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// ParseNetwork reads a network (a route destination, a rule source):
// "default", or a prefix whose host bits are zero, as the kernel requires.
// v6 tells which family "default" stands for.
func ParseNetwork(s string, v6 bool) (netip.Prefix, error) {
	if s == "default" || s == "all" {
		if v6 {
			return netip.MustParsePrefix("::/0"), nil
		}
		return netip.MustParsePrefix("0.0.0.0/0"), nil
	}
	p, err := ParseAddress(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a network: give an address/prefix such as 10.7.0.0/16, or \"default\"", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set; the network is %s", s, p.Masked())
	}
	return p, nil
}

// AliasLabel is the address label a guest interface gets: "dev:name", or
// the bare dev name when the interface has no alias name.
func AliasLabel(i *lang.GuestInterface) string {
	if i.Name.Set {
		return i.Dev.V + ":" + i.Name.V
	}
	return i.Dev.V
}

// DiskLimitDir is the folder a disk limit applies to: its directory, or the
// guest's root.
func (m *Model) DiskLimitDir(g *lang.Guest) (string, hcl.Range) {
	if g.DiskLimit.Directory.Set {
		return g.DiskLimit.Directory.V, g.DiskLimit.Directory.Range
	}
	root, r := m.RootOf(g)
	if !g.Root.Set {
		// The root is the host's default: the disk limit block is what
		// asks for a limit there.
		r = g.DiskLimit.DeclRange
	}
	return root, r
}

// Site names a place in the configuration for a message, as diagnostics
// and plan origins do: "file:line:col".
func Site(r hcl.Range) string {
	return r.Filename + ":" + strconv.Itoa(r.Start.Line) + ":" + strconv.Itoa(r.Start.Column)
}

// MaxLinkName is the longest link name or address label the kernel takes:
// IFNAMSIZ (16) less the terminating NUL.
const MaxLinkName = 15

// Links indexes a host's links by name — its interfaces, then its VLANs,
// the first declaration of a name winning as in Link — for checks that
// look a link up once per guest or route.
func Links(h *lang.Host) map[string]hcl.Range {
	links := make(map[string]hcl.Range, len(h.Interfaces)+len(h.VLANs))
	add := func(v lang.Val[string]) {
		if _, dup := links[v.V]; !dup {
			links[v.V] = v.Range
		}
	}
	for _, i := range h.Interfaces {
		add(i.Name)
	}
	for _, v := range h.VLANs {
		add(v.Name)
	}
	return links
}

// RouteNetwork reads a route's destination. "default" is of the gateway's
// family: IPv6 when via is an IPv6 address, IPv4 otherwise (as lowering
// spells it).
func RouteNetwork(r *lang.Route) (netip.Prefix, error) {
	return ParseNetwork(r.To.V, strings.Contains(r.Via.V, ":"))
}

// RuleNetwork reads a rule's source. "all" and "default" are IPv4, as
// `ip rule` without -6 reads them.
func RuleNetwork(r *lang.Rule) (netip.Prefix, error) {
	return ParseNetwork(r.From.V, strings.Contains(r.From.V, ":"))
}

// ParseGateway reads a route's via: one address, without prefix or zone.
func ParseGateway(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	switch {
	case err == nil && a.Zone() != "":
		return netip.Addr{}, fmt.Errorf("%q has a zone; give the gateway without %%zone", s)
	case err == nil:
		return a, nil
	}
	if p, perr := netip.ParsePrefix(s); perr == nil {
		return netip.Addr{}, fmt.Errorf("%q is a prefix, but a gateway is one address: write %s", s, p.Addr())
	}
	return netip.Addr{}, fmt.Errorf("%q is not an IP address: give the gateway's address alone, such as 10.7.0.1", s)
}

// GuestAddr is one guest interface address that parses.
type GuestAddr struct {
	Guest     *lang.Guest
	Interface *lang.GuestInterface
	// Prefix is the address with its prefix length, host bits kept.
	Prefix netip.Prefix
}

// GuestAddrs yields the addresses of a host's guests that are set and
// parse, in configuration order; ip-invalid reports the others.
func (m *Model) GuestAddrs(h *lang.Host) iter.Seq[GuestAddr] {
	return func(yield func(GuestAddr) bool) {
		for _, g := range m.GuestsOf(h) {
			for _, i := range g.Interfaces {
				if !i.IP.Set {
					continue
				}
				p, err := ParseAddress(i.IP.V)
				if err != nil {
					continue
				}
				if !yield(GuestAddr{Guest: g, Interface: i, Prefix: p}) {
					return
				}
			}
		}
	}
}

// HostAddr is one address a host declares on its own link.
type HostAddr struct {
	Link   string
	Value  lang.Val[string]
	Prefix netip.Prefix
}

// HostAddrs yields the addresses a host declares on its interfaces and
// VLANs that parse, interfaces first.
func HostAddrs(h *lang.Host) iter.Seq[HostAddr] {
	return func(yield func(HostAddr) bool) {
		each := func(link string, addrs lang.Strings) bool {
			for _, a := range addrs.V {
				p, err := ParseAddress(a.V)
				if err != nil {
					continue
				}
				if !yield(HostAddr{Link: link, Value: a, Prefix: p}) {
					return false
				}
			}
			return true
		}
		for _, i := range h.Interfaces {
			if !each(i.Name.V, i.Addresses) {
				return
			}
		}
		for _, v := range h.VLANs {
			if !each(v.Name.V, v.Addresses) {
				return
			}
		}
	}
}

// PrefixIndex finds the prefixes that contain an address with one map
// lookup per distinct prefix length instead of a scan of every prefix, so
// that many guest addresses can be matched against many rules or routes.
// The zero value is empty and ready to use.
type PrefixIndex[T any] struct {
	byPrefix map[netip.Prefix][]T
	lens     [2][]int // distinct lengths of IPv4 [0] and IPv6 [1] prefixes, longest first
}

func family(a netip.Addr) int {
	if a.Is4() {
		return 0
	}
	return 1
}

// Add indexes v under p; p's host bits are ignored.
func (x *PrefixIndex[T]) Add(p netip.Prefix, v T) {
	if !p.IsValid() {
		return
	}
	if x.byPrefix == nil {
		x.byPrefix = map[netip.Prefix][]T{}
	}
	p = p.Masked()
	f := family(p.Addr())
	if i, found := slices.BinarySearchFunc(x.lens[f], p.Bits(), func(a, b int) int { return b - a }); !found {
		x.lens[f] = slices.Insert(x.lens[f], i, p.Bits())
	}
	x.byPrefix[p] = append(x.byPrefix[p], v)
}

// viaRoute tells a route through a gateway, whose gateway the table's
// connected routes must reach.
func viaRoute(r *lang.Route) bool { return r.Via.Set }

// Covering yields the values of every indexed prefix that contains a,
// longest prefix first.
func (x *PrefixIndex[T]) Covering(a netip.Addr) iter.Seq[T] {
	return func(yield func(T) bool) {
		if !a.IsValid() {
			return
		}
		for _, n := range x.lens[family(a)] {
			p, _ := a.Prefix(n)
			for _, v := range x.byPrefix[p] {
				if !yield(v) {
					return
				}
			}
		}
	}
}

// Contains reports whether any indexed prefix contains a.
func (x *PrefixIndex[T]) Contains(a netip.Addr) bool {
	for range x.Covering(a) {
		return true
	}
	return false
}

// SplitOptions reads a mount options list as mount -o does: an element may
// hold several options separated by commas ("size=16m,mode=1777"). Empty
// options and "defaults" (which only stands for "no option") are dropped;
// each option keeps the range of the element it came from.
func SplitOptions(opts lang.Strings) []lang.Val[string] {
	var out []lang.Val[string]
	for _, e := range opts.V {
		for _, o := range strings.Split(e.V, ",") {
			if o = strings.TrimSpace(o); o != "" && o != "defaults" {
				out = append(out, lang.Val[string]{V: o, Range: e.Range, Set: true})
			}
		}
	}
	return out
}

// TagOption returns the tagxid (VS 2.0) or tag (VS 2.2) option of a
// filesystem: the context tagging vsc lowers to project quotas.
func TagOption(fs *lang.Filesystem) (lang.Val[string], bool) {
	for _, o := range SplitOptions(fs.Options) {
		if o.V == "tagxid" || o.V == "tag" {
			return o, true
		}
	}
	return lang.Val[string]{}, false
}
