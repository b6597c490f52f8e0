package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var netRawShared = &Check{
	Name:     "net-raw-shared",
	Severity: hcl.DiagWarning,
	Doc: `CAP_NET_RAW for a guest on the host's network

A guest with network = "shared" (the default, util-vserver's network
context) runs on the host's network stack. A raw or packet socket there
would see, and could forge, the traffic of the host and of every other
guest. vsc's user namespace keeps the kernel refusing those sockets to a
shared guest whatever its capabilities (the network namespace belongs to
the host), so adding NET_RAW does not give them: it only asks for what
the guest's walls are there to deny, and would open the stack to the
guest if those walls were ever taken down.

    guest "monitor" {
      context = 300
      capabilities {
        add = ["NET_RAW"]   # net-raw-shared
      }
    }

Give a guest that needs raw sockets (ping, a DHCP server, tcpdump) a
network of its own, network = "isolated", where NET_RAW reaches only its
own link; or remove NET_RAW.
`,
	Run: func(p *Pass) {
		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			if g.Capabilities == nil || Network(g) != "shared" {
				return
			}
			for _, e := range g.Capabilities.Add.V {
				if c, _, ok := Capability(e.V); !ok || c != "NET_RAW" || !seen.first(e.Range, c) {
					continue
				}
				p.Report(e.Range, "NET_RAW on the host's network",
					fmt.Sprintf("%s adds NET_RAW but shares the host's network (network = \"shared\"), where a raw or packet socket would see every guest's traffic; the kernel refuses them to a shared guest anyway. Use network = \"isolated\" for a guest that needs raw sockets, or remove NET_RAW.",
						upperFirst(owner(g))))
			}
		})
	},
}
