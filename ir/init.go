package ir

import "slices"

// KindInitExec starts a guest's init.
const KindInitExec Kind = "init.exec"

// initStyles are util-vserver's init styles. sysv runs the runlevel
// scripts, plain and fakeinit run /sbin/init (fakeinit as pid 1 of the
// guest), none starts nothing and keeps the namespaces.
var initStyles = []string{"sysv", "plain", "fakeinit", "none"}

// InitExec enters the guest's namespaces and cgroup, changes root to
// Root and executes the guest's init with the nice value.
//
//	nsenter --all --target NS chroot /var/lib/vservers/x nice -n 5 /etc/init.d/rc 3
type InitExec struct {
	Guest   string   `ir:"guest"`
	Root    string   `ir:"root"`              // absolute, clean
	Style   string   `ir:"style"`             // sysv plain fakeinit none
	Command []string `ir:"command,omitempty"` // argv; empty exactly when Style is none
	Nice    int      `ir:"nice,omitempty"`    // -20..19
	// Reboot is what a reboot inside the guest does: "restart" (the
	// default when empty) it, "halt" it, or "none" (the guest stops).
	Reboot string `ir:"reboot,omitempty"`
	// Autostart makes vsc apply start the guest when it is not running.
	Autostart bool `ir:"autostart,omitempty"`
}

// rebootActions are the values of InitExec.Reboot.
var rebootActions = []string{"restart", "halt", "none"}

func (*InitExec) Kind() Kind { return KindInitExec }

const initStyleNone = "none"

func (b *InitExec) check(c *checker) {
	c.absPath("root", b.Root)
	c.oneOf("style", b.Style, initStyles)
	switch {
	case !slices.Contains(initStyles, b.Style):
	case b.Style == initStyleNone && len(b.Command) > 0:
		c.fail("command", "style none runs no command; remove it or choose another style")
	case b.Style != initStyleNone && (len(b.Command) == 0 || b.Command[0] == ""):
		c.fail("command", "style %s needs a command, its program first", b.Style)
	}
	c.intRange("nice", int64(b.Nice), -20, 19)
	if b.Reboot != "" {
		c.oneOf("reboot", b.Reboot, rebootActions)
	}
}
