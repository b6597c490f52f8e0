package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

var ruleUnused = &Check{
	Name:     "rule-unused",
	Severity: hcl.DiagWarning,
	Doc: `A rule whose from covers no guest address

A rule sends the traffic from a network to a routing table, so that the
guests of that network answer through their own gateway. A rule whose
from holds no address of any guest of its host routes nothing vsc
manages: most often the network is mistyped, or the guests it was for
were moved or removed.

    rule {
      from  = "10.70.0.0/16"   # rule-unused: the guests are in 10.7.0.0/16
      table = "vlan7"
    }

Fix the network, or remove the rule.
`,
	Run: func(p *Pass) {
		for _, h := range p.Config.Hosts {
			if len(h.Rules) == 0 {
				continue
			}
			var rules PrefixIndex[int]
			used := make([]bool, len(h.Rules))
			left := 0
			for n, r := range h.Rules {
				if from, err := RuleNetwork(r); r.From.Set && err == nil {
					rules.Add(from, n)
					left++
				} else {
					used[n] = true // ip-invalid, or schema
				}
			}
			for a := range p.GuestAddrs(h) {
				if left == 0 {
					break
				}
				for n := range rules.Covering(a.Prefix.Addr()) {
					if !used[n] {
						used[n] = true
						left--
					}
				}
			}
			for n, r := range h.Rules {
				if used[n] {
					continue
				}
				from, _ := RuleNetwork(r)
				p.Report(r.From.Range, "Rule covers no guest",
					fmt.Sprintf("No guest of host %q has an address in %s, so this rule sends nothing vsc manages to table %q. Fix the network, or remove the rule.",
						h.Name.V, from, r.Table.V))
			}
		}
	},
}
