package ir

// KindLinkAdd creates a network link on the host.
const KindLinkAdd Kind = "link.add"

// linkTypes are the link types a plan may create. util-vserver only ever
// made 802.1Q VLANs (vconfig); other types would need their own fields.
var linkTypes = []string{"vlan"}

// LinkAdd creates a VLAN link on top of a parent link and sets it up, as
// util-vserver's `vconfig add` did.
//
//	ip link add link eth0 name eth0.7 type vlan id 7; ip link set eth0.7 up
type LinkAdd struct {
	Name   string `ir:"name"`    // the new link, ≤ 15 bytes
	Type   string `ir:"type"`    // "vlan"
	Link   string `ir:"link"`    // the parent link
	VlanID int    `ir:"vlan_id"` // 802.1Q id, 1..4094
}

func (*LinkAdd) Kind() Kind { return KindLinkAdd }

func (b *LinkAdd) check(c *checker) {
	c.linkName("name", b.Name)
	c.oneOf("type", b.Type, linkTypes)
	c.linkName("link", b.Link)
	if b.Link == b.Name && b.Name != "" {
		c.fail("link", "%q is the link being created; name its parent instead", b.Link)
	}
	// 0 and 4095 are reserved by 802.1Q (priority tags, implementation use).
	c.intRange("vlan_id", int64(b.VlanID), 1, 4094)
}
