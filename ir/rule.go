package ir

// KindRuleAdd adds a routing policy rule.
const KindRuleAdd Kind = "rule.add"

// RuleAdd sends the traffic from a source network to a routing table.
//
//	ip rule add from 10.7.0.0/16 table 7 priority 1007
type RuleAdd struct {
	From     string `ir:"from"`     // masked CIDR
	Table    int    `ir:"table"`    // as in RouteAdd
	Priority int    `ir:"priority"` // 1..32765
}

func (*RuleAdd) Kind() Kind { return KindRuleAdd }

func (b *RuleAdd) check(c *checker) {
	c.network("from", b.From)
	// A rule may send traffic to any table, the kernel's main (254) and
	// local (255) included; only 0 means no table.
	c.intRange("table", int64(b.Table), 1, 1<<32-1)
	// 0, 32766 and 32767 hold the kernel's own local, main and default rules.
	c.intRange("priority", int64(b.Priority), 1, 32765)
}
