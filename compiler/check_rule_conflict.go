package compiler

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// Rule priorities the kernel's own rules hold: 0 looks up the local table,
// 32766 main and 32767 default. Rules vsc adds lie strictly between.
const (
	MinRulePriority = 1
	MaxRulePriority = 32765
)

var kernelRules = map[int64]string{0: "local", 32766: "main", 32767: "default"}

var ruleConflict = &Check{
	Name:     "rule-conflict",
	Severity: hcl.DiagError,
	Doc: `Two rules with one priority, or a priority the kernel's rules hold

The kernel tries rules in order of priority. It keeps three rules of its
own: priority 0 looks up the local table (the host's own addresses),
32766 the main table and 32767 the default table. A rule of vsc must come
after the first and before the other two, so its priority lies in
1..32765; and two rules of one host with one priority would leave their
order to chance, and vsc would not know which one to remove. A rule without
priority gets a free one from vsc.

    rule {
      from     = "10.7.0.0/16"
      table    = "vlan7"
      priority = 32766     # rule-conflict: the kernel's rule for the main table
    }

Give each rule its own priority between 1 and 32765, or leave priority out.
`,
	Run: func(p *Pass) {
		for _, h := range p.Config.Hosts {
			first := map[int64]*lang.Rule{}
			for _, r := range h.Rules {
				if !r.Priority.Set {
					continue
				}
				prio := r.Priority.V
				if prio < MinRulePriority || prio > MaxRulePriority {
					why := fmt.Sprintf("priorities lie in %d..%d", MinRulePriority, MaxRulePriority)
					if table, ok := kernelRules[prio]; ok {
						why = fmt.Sprintf("%d is the priority of the kernel's own rule that looks up the %s table", prio, table)
					}
					p.Report(r.Priority.Range, "Rule priority reserved",
						fmt.Sprintf("A rule of host %q has priority %d, but %s. Give it a priority between %d and %d, or leave priority out and vsc picks a free one.",
							h.Name.V, prio, why, MinRulePriority, MaxRulePriority))
					continue
				}
				if o, dup := first[prio]; dup {
					p.Report(r.Priority.Range, "Rule priority already used",
						fmt.Sprintf("A rule of host %q has priority %d, as the rule at %s does; their order would be left to chance. Give each rule its own priority, or leave priority out and vsc picks a free one.",
							h.Name.V, prio, Site(o.Priority.Range)),
						o.Priority.Range)
					continue
				}
				first[prio] = r
			}
		}
	},
}
