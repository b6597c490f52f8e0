// Package guest runs guests: it starts a guest from its ops in a plan
// (ns.new, hook.run, guest.mount, cgroup.set, rlimit.set, uts.set,
// caps.drop, init.exec, in the order of domain.md's start sequence),
// supervises it, stops it from what was started, runs commands inside it
// and reports the state of every guest.
//
// It sits at the end of vsc's pipeline, beside the executor, whose
// Ensure adds a guest's addresses when it starts:
//
//	lang → compiler → ir (the plan) → executor, build, guest (the plan → the host)
//
// It never reads HCL: it takes a verified ir.Plan. Stopping never looks
// at a plan or a configuration: it reads what was started, recorded in
// the guest's state folder (<state-dir>/<host>/guests/NAME/started.json),
// so a configuration edited since cannot change what a stop undoes.
//
// A guest is three processes of vsc's own binary, re-executed with a
// hidden command (`vsc __guest MODE`, see Main):
//
//   - the supervisor (MODE supervise), detached from the command that
//     started it: it runs the start sequence, keeps the guest's record,
//     waits for the guest's init, restarts the guest when it reboots
//     itself, and tears it down when it ends;
//   - the guest's init before it becomes the guest's program (MODE init):
//     cloned in new mount, UTS, IPC and PID namespaces, it does, step by
//     step as the supervisor asks, what must happen inside them (the
//     guest's mounts, its names, pivot_root, limits), then executes the
//     guest's init command as pid 1 of its PID namespace;
//   - a command run inside a running guest (MODE exec): package
//     vsc/internal/nsenter joins the guest's namespaces before the Go
//     runtime starts, and Go then applies the guest's limits and executes
//     the command.
package guest
