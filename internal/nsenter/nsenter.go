//go:build cgo

// Package nsenter joins a running guest's namespaces before the Go
// runtime starts, the way runc's nsexec does: Go cannot setns into a
// mount namespace (nor a time namespace) once it has started threads, and
// it starts them before main.
//
// Importing the package (blank) links a C constructor into the program.
// The constructor does nothing unless the environment variable EnvDir
// names a folder of namespace files (vsc's <state-dir>/<host>/guests/NAME/ns).
// Then, still single-threaded, it:
//
//  1. makes the process not dumpable: nothing of the guest may trace it
//     or read its /proc files while it holds anything of the host's;
//  2. writes 0 to each cgroup.procs file listed (newline-separated) in
//     EnvCgroups, which moves the process into the guest's cgroups while
//     the host's /sys/fs/cgroup is still reachable;
//  3. sets the nice value and rlimits of EnvLimits, as the host's root;
//  4. opens every namespace file of the folder that exists (net, ipc,
//     uts, time, pid, mnt, user) and setns(2)es into each in that order:
//     joining a mount namespace sets the root and the working folder to
//     that namespace's root, and after it no host path is reachable; the
//     user namespace comes last, as the host's root has every capability
//     over the others (a shared guest's network namespace belongs to the
//     host, where the guest's root has none); then it becomes the guest's
//     root (setresgid, setgroups, setresuid to 0 of that namespace);
//  5. forks: the child returns from the constructor and the Go runtime
//     starts in it, in the guest's PID namespace (setns into a PID
//     namespace applies to children only, and a process whose children go
//     to another PID namespace cannot make threads). The parent closes
//     every descriptor but 0–2, stays outside the PID namespace, forwards
//     signals to the child, and exits with the child's status (128+N when
//     the child was killed by signal N).
//
// With EnvExec=1 the child does not start Go at all (Go's start is most
// of what a vsc exec costs): it applies the walls guest.Command computed
// (EnvChroot, EnvCaps, EnvScope, EnvFilter), looks the command after "--"
// up in the guest's PATH and executes it with the process's environment
// less the _VSC_ variables.
//
// A failure in the constructor prints "vsc: cannot enter the guest: …" and
// exits with status 125, before any Go code runs. The Go code that
// continues in the child must unset EnvDir, EnvCgroups and EnvLimits
// before it runs anything else, or the constructor would run again in
// that program.
package nsenter

/*
#cgo CFLAGS: -Wall -O2
extern void vsc_nsenter(int argc, char **argv);

// glibc passes constructors the program's arguments.
void __attribute__((constructor)) vsc_nsenter_init(int argc, char **argv, char **envp) { (void)envp; vsc_nsenter(argc, argv); }
*/
import "C"

// Enabled reports whether the constructor is linked in: false when vsc
// was built without cgo, and then guests cannot be entered.
const Enabled = true
