package ir

// KindAddrAdd adds an address to a host link.
const KindAddrAdd Kind = "addr.add"

// AddrAdd adds an address to a link of the host, as util-vserver did for
// each of a guest's interfaces. The address keeps its host part
// (10.7.0.2/16), which gives both the address and the subnet route.
//
//	ip addr add 10.7.0.2/16 dev eth0.7 label eth0.7:vs7
type AddrAdd struct {
	Dev     string `ir:"dev"`             // the link
	Address string `ir:"address"`         // CIDR, e.g. 10.7.0.2/16
	Label   string `ir:"label,omitempty"` // "" for none, else DEV or DEV:NAME, ≤ 15 bytes
}

func (*AddrAdd) Kind() Kind { return KindAddrAdd }

func (b *AddrAdd) check(c *checker) {
	c.linkName("dev", b.Dev)
	c.addrPrefix("address", b.Address)
	if b.Label != "" {
		c.label("label", b.Label, b.Dev)
	}
}
