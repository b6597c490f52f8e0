// Package walls builds the walls that keep a guest's root a prisoner on a
// mainline kernel, each mechanism a file:
//
//   - userns: the guest's user namespace (its ids mapped to a host range
//     derived from its context) and its idmapped root, or a root whose
//     ownership was shifted at build (build.Shift);
//   - resolve: paths resolved inside the guest's root, and detached mounts
//     attached there;
//   - dev: a /dev of vsc's, whose device nodes the host's root makes;
//   - mask: the masked and read-only paths of /proc and /sys;
//   - seccomp: the syscall filter;
//   - sock: the cgroup socket hooks that confine a guest on the host's
//     network to its own addresses (network = "shared");
//   - veth: the routed veth pair of a guest with a network of its own
//     (network = "isolated");
//   - landlock: the Landlock domain that keeps a shared guest from the
//     host's abstract unix sockets.
//
// It sits below package guest, which applies the walls from the start
// sequence in one place (and from vsc exec): package guest says when,
// this package says how. It reads no configuration and no plan, only the
// values of the ops it is handed.
package walls
