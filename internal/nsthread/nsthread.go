// Package nsthread runs a function on an OS thread that is in another
// network namespace: what netlink cannot do from outside (the
// /proc/sys/net files of a namespace, an fsopen of sysfs, a process
// cloned into it) is done from a thread that joined it.
package nsthread

import (
	"fmt"
	"runtime"

	"github.com/vishvananda/netns"
)

// Run runs f on a thread that is in the network namespace ns, then moves
// the thread back. f must not start goroutines that expect to be in ns:
// only the calling goroutine's thread is. When the thread cannot return,
// it is left locked, and Go ends it with the goroutine: no other
// goroutine ever runs in the wrong namespace.
func Run(ns netns.NsHandle, f func() error) error {
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	if err := netns.Set(ns); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("cannot join the network namespace: %w", err)
	}
	ferr := f()
	if err := netns.Set(orig); err != nil {
		return fmt.Errorf("cannot return from the network namespace: %w", err)
	}
	runtime.UnlockOSThread()
	return ferr
}

// Named runs f in the network namespace name (ip netns's /run/netns/NAME),
// or right here when name is "".
func Named(name string, f func() error) error {
	if name == "" {
		return f()
	}
	ns, err := netns.GetFromName(name)
	if err != nil {
		return fmt.Errorf("network namespace %q: %w (create it with `ip netns add %s`)", name, err, name)
	}
	defer ns.Close()
	return Run(ns, f)
}
