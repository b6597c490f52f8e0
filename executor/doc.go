// Package executor brings a host's kernel to a plan: it reads the live
// objects the plan names (links, addresses, routes, rules, mounts,
// project ids, quotas), compares them with the plan and with its own
// record of what it created earlier, and acts only on the difference,
// through netlink and system calls — never by running ip, mount or chxid.
//
// It is the last stage of vsc's pipeline:
//
//	lang → compiler → ir (the plan) → executor (the plan → the kernel)
//
// It never reads HCL: it takes an ir.Plan, verified. It owns only what
// it created: routes and rules carry vsc's protocol number, links its
// alias, and every object it created is in the record of the state dir;
// anything else is left alone. A run is all or nothing: preconditions
// are checked before the first change, and when a change still fails,
// the changes already made are undone in reverse order. A write-ahead
// journal lets the next run converge after a crash, and a lock keeps two
// runs from interleaving.
//
// One file per kind mirrors ir (addr_linux.go applies, observes and undoes
// addr.add, and so on).
package executor
