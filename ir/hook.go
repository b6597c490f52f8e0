package ir

// KindHookRun runs a configured hook command.
const KindHookRun Kind = "hook.run"

// hookPhases are the points of the start and stop sequences where
// util-vserver ran the guest's scripts/, with '-' spelled '_'.
var hookPhases = []string{"initialize", "prepre_start", "pre_start", "post_start", "pre_stop", "post_stop"}

// HookRun runs one of the guest's hook commands on the host, at its
// phase of the sequence. A failing hook stops the sequence.
//
//	sh -c COMMAND   (with VSC_GUEST=NAME VSC_PHASE=PHASE)
type HookRun struct {
	Guest   string `ir:"guest"`
	Phase   string `ir:"phase"`
	Command string `ir:"command"` // a shell command line
}

func (*HookRun) Kind() Kind { return KindHookRun }

func (b *HookRun) check(c *checker) {
	c.oneOf("phase", b.Phase, hookPhases)
	c.nonEmpty("command", b.Command)
}
