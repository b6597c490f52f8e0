package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// contextFlags are util-vserver's context flags as written in
// /etc/vservers/NAME/flags (lib/cflags-v13.c, the kernel's VXF_* bits).
var contextFlags = []string{
	"lock", "nproc", "private", "fakeinit", "hideinfo", "ulimit", "namespace",
	"sched_hard", "sched_prio", "sched_pause",
	"virt_mem", "virt_uptime", "virt_cpu", "virt_load", "virt_time",
	"hide_mount", "hide_netif", "hide_vinfo",
	"state_setup", "state_init", "state_admin",
	"sc_normal", "sc_shutdown", "sc_helper",
	"reboot_kill", "persistent", "fork_rss", "prolific",
	"igneg_nice", "igneg_ionice",
}

var contextFlagSet = func() map[string]bool {
	m := make(map[string]bool, len(contextFlags))
	for _, f := range contextFlags {
		m[f] = true
	}
	return m
}()

var flagUnknown = &Check{
	Name:     "flag-unknown",
	Severity: hcl.DiagError,
	Doc: `Flag util-vserver does not define

flags lists util-vserver context flags, spelled as in
/etc/vservers/NAME/flags: lock, nproc, private, fakeinit, hideinfo,
ulimit, namespace, sched_hard, sched_prio, sched_pause, virt_mem,
virt_uptime, virt_cpu, virt_load, virt_time, hide_mount, hide_netif,
hide_vinfo, state_setup, state_init, state_admin, sc_normal, sc_shutdown,
sc_helper, reboot_kill, persistent, fork_rss, prolific, igneg_nice and
igneg_ionice, in lower case. A name outside this list would be written to
the exported flags file, where util-vserver refuses it at start.
util-vserver's "~name" (clear a flag) has no use here: a guest's flags
list replaces the defaults' one, so leave the flag out instead.

    flags = ["virt_mem", "virt_uptme"]   # flag-unknown: did you mean "virt_uptime"?

Fix the spelling (in lower case), or remove the name.
`,
	Run: func(p *Pass) {
		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			for _, e := range g.Flags.V {
				if contextFlagSet[e.V] || !seen.first(e.Range, e.V) {
					continue
				}
				detail := fmt.Sprintf("The flags of %s hold %q, which util-vserver does not define. Use one of its context flags, such as \"virt_mem\" or \"hide_netif\".", owner(g), e.V)
				if name, clear := strings.CutPrefix(e.V, "~"); clear && contextFlagSet[strings.ToLower(name)] {
					detail = fmt.Sprintf("The flags of %s hold %q, util-vserver's way to clear a flag. A guest's flags list replaces the defaults' one, so leave %q out of it instead.", owner(g), e.V, strings.ToLower(name))
				} else if s := lang.Suggest(e.V, contextFlags); s != "" {
					detail = fmt.Sprintf("The flags of %s hold %q, which util-vserver does not define. Did you mean %q?", owner(g), e.V, s)
				}
				p.Report(e.Range, "Unknown flag", detail)
			}
		})
	},
}

// ContextFlags lists the context flags flag-unknown accepts, for editors
// to offer.
func ContextFlags() []string { return slices.Clone(contextFlags) }
