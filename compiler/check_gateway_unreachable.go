package compiler

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var gatewayUnreachable = &Check{
	Name:     "gateway-unreachable",
	Severity: hcl.DiagError,
	Doc: `A route's gateway that nothing reaches

The kernel adds a route through a gateway (via) only if it can already
reach that gateway directly; otherwise it answers "Nexthop has invalid
gateway" and the guest starts without its route. A gateway is reachable
when it lies inside:

  - a connected route of the same table: a route with dev and no via
    (route { to = "10.7.0.0/16" dev = "eth0.7" });
  - or the prefix of an address on the host: the addresses of its
    interface and vlan blocks, and the addresses of its guests (the
    kernel falls back to the main table, where each address brings its
    connected route).

When the route names a dev, only connected routes and addresses on that
link count.

    table "vlan9" {
      id = 9
      route {
        to  = "default"
        via = "10.9.0.1"    # gateway-unreachable: nothing reaches 10.9.0.1
      }
    }

Add a connected route for the gateway's network to the table, or give the
host (or a guest) an address in it, or fix the gateway.
`,
	Run: func(p *Pass) {
		for _, h := range p.Config.Hosts {
			// The addresses' networks, by link, built only for hosts with
			// a gateway, and each (network, link) once however many
			// guests share it.
			var onHost *PrefixIndex[string]
			addrs := func() *PrefixIndex[string] {
				if onHost != nil {
					return onHost
				}
				onHost = &PrefixIndex[string]{}
				type net struct {
					p    netip.Prefix
					link string
				}
				seen := map[net]bool{}
				add := func(pr netip.Prefix, link string) {
					k := net{pr.Masked(), link}
					if !seen[k] {
						seen[k] = true
						onHost.Add(k.p, link)
					}
				}
				for a := range HostAddrs(h) {
					add(a.Prefix, a.Link)
				}
				for a := range p.GuestAddrs(h) {
					add(a.Prefix, a.Interface.Dev.V)
				}
				return onHost
			}
			for _, t := range h.Tables {
				if !slices.ContainsFunc(t.Routes, viaRoute) {
					continue
				}
				var connected PrefixIndex[string]
				for _, r := range t.Routes {
					if r.Via.Set || !r.To.Set {
						continue
					}
					if to, err := RouteNetwork(r); err == nil {
						connected.Add(to, r.Dev.V)
					}
				}
				for _, r := range t.Routes {
					if !r.Via.Set {
						continue
					}
					via, err := ParseGateway(r.Via.V)
					if err != nil {
						continue // ip-invalid
					}
					if to, err := RouteNetwork(r); r.To.Set && err == nil && to.Addr().Is4() != via.Is4() {
						continue // ip-invalid: a gateway of another family
					}
					onDev := func(links func(func(string) bool)) bool {
						for l := range links {
							if !r.Dev.Set || l == r.Dev.V {
								return true
							}
						}
						return false
					}
					if onDev(connected.Covering(via)) || onDev(addrs().Covering(via)) {
						continue
					}
					p.Report(r.Via.Range, "Gateway unreachable", unreachableDetail(h, t, r, via))
				}
			}
		}
	},
}

func unreachableDetail(h *lang.Host, t *lang.Table, r *lang.Route, via netip.Addr) string {
	bits := 24
	if via.Is6() {
		bits = 64
	}
	network, _ := via.Prefix(bits)
	dev, on := r.Dev.V, fmt.Sprintf(" on link %q", r.Dev.V)
	if !r.Dev.Set {
		dev, on = "…", ""
	}
	return fmt.Sprintf("Gateway %s of this route of table %q lies in no connected route of that table and in no address of host %q%s, so the kernel would refuse the route (\"Nexthop has invalid gateway\"). Add a route { to = %q dev = %q } with the gateway's network to table %q, or an address in that network%s to the host or a guest, or fix the gateway.",
		via, t.Name.V, h.Name.V, on, network.String(), dev, t.Name.V, on)
}
