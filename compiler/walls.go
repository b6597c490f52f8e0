package compiler

import (
	"maps"
	"slices"

	"vsc/ir"
	"vsc/lang"
)

// The walls every guest gets: what its syscall filter denies, what of
// its /proc and /sys is hidden or frozen, and the floor under its
// process count. security.md explains each; the checks warn when a
// configuration takes one down.

// DefaultPidsMax is the pids.max of a guest whose rlimits set no nproc:
// a fork bomb in one guest does not take the host.
const DefaultPidsMax = 4096

// deniedSyscalls are the syscalls the default filter refuses (EPERM),
// with what each would let a guest do: Docker's and systemd-nspawn's
// default lists, less what a system container needs and its user
// namespace already confines (mount, unshare, setns, ptrace, reboot in
// its own namespaces).
var deniedSyscalls = map[string]string{
	"acct":              "switch process accounting on the host",
	"add_key":           "use the kernel's keyrings, which are not namespaced",
	"bpf":               "load programs into the host's kernel",
	"clock_adjtime":     "adjust the host's clock, shared by every guest",
	"clock_adjtime64":   "adjust the host's clock, shared by every guest",
	"clock_settime":     "set the host's clock, shared by every guest",
	"clock_settime64":   "set the host's clock, shared by every guest",
	"create_module":     "load kernel modules",
	"delete_module":     "unload the host's kernel modules",
	"finit_module":      "load kernel modules, that is run code inside the host's kernel",
	"get_kernel_syms":   "read the host kernel's symbols",
	"init_module":       "load kernel modules, that is run code inside the host's kernel",
	"io_uring_enter":    "use io_uring, a large attack surface of the host's kernel",
	"io_uring_register": "use io_uring, a large attack surface of the host's kernel",
	"io_uring_setup":    "use io_uring, a large attack surface of the host's kernel",
	"ioperm":            "reach the host's I/O ports",
	"iopl":              "reach the host's I/O ports",
	"kexec_file_load":   "replace the host's kernel",
	"kexec_load":        "replace the host's kernel",
	"keyctl":            "use the kernel's keyrings, which are not namespaced",
	"lookup_dcookie":    "read kernel profiling data",
	"name_to_handle_at": "make file handles, with which files are opened outside the guest's root",
	"nfsservctl":        "control the host's NFS server",
	"open_by_handle_at": "open any file of a filesystem by its handle, outside the guest's root (the \"shocker\" escape)",
	"perf_event_open":   "watch the host's processes and kernel with performance counters",
	"query_module":      "read the host's kernel modules",
	"quotactl":          "read and change the host's disk quotas",
	"quotactl_fd":       "read and change the host's disk quotas",
	"request_key":       "use the kernel's keyrings, which are not namespaced",
	"settimeofday":      "set the host's clock, shared by every guest",
	"stime":             "set the host's clock, shared by every guest",
	"swapoff":           "switch the host's swap off",
	"swapon":            "add swap to the host",
	"syslog":            "read and clear the host kernel's log",
	"_sysctl":           "change the host kernel's settings",
	"sysfs":             "read the host kernel's filesystem types (obsolete)",
	"uselib":            "load a library the old way (obsolete)",
	"userfaultfd":       "handle page faults, a known aid to kernel exploits",
	"ustat":             "read the host's filesystem statistics (obsolete)",
	"vm86":              "run virtual 8086 mode",
	"vm86old":           "run virtual 8086 mode",
}

// DeniedSyscall says what allowing a syscall of the default filter lets a
// guest do, "" for a syscall the default filter does not deny.
func DeniedSyscall(name string) string { return deniedSyscalls[name] }

// Lists that the ops of every guest hold, made once: ops of one plan
// share them (a plan's lists are read, never changed in place).
var (
	defaultDeny  = DefaultDeny()
	defaultNodes = ir.DefaultDevices()
)

// DefaultDeny lists the syscalls of the default filter, sorted.
func DefaultDeny() []string { return slices.Sorted(maps.Keys(deniedSyscalls)) }

// denyList is a guest's filter: the default list, plus its seccomp.deny,
// less its seccomp.allow, sorted.
func denyList(g *lang.Guest) []string {
	if g.Seccomp == nil || len(g.Seccomp.Deny.V)+len(g.Seccomp.Allow.V) == 0 {
		return defaultDeny
	}
	deny := maps.Clone(deniedSyscalls)
	if s := g.Seccomp; s != nil {
		for _, d := range s.Deny.V {
			deny[d.V] = ""
		}
		for _, a := range s.Allow.V {
			delete(deny, a.V)
		}
	}
	return slices.Sorted(maps.Keys(deny))
}

// maskedPaths are covered with nothing in every guest, and readonlyPaths
// bound read-only (runc's lists): what of /proc and /sys shows the host's
// kernel memory, keys, timers and hardware, or reconfigures it.
var (
	maskedPaths = []string{
		"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
		"/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware",
	}
	readonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)

// Network says how a guest reaches the network: "shared" (the host's
// network namespace, confined to its addresses; the default) or
// "isolated" (a network namespace of its own).
func Network(g *lang.Guest) string {
	if g.Network.Set {
		return g.Network.V
	}
	return "shared"
}
