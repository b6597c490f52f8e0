package walls

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A guest on the host's network shares the host's abstract unix socket
// names too (they are per network namespace, and have no permissions):
// without a wall, its root could connect to a host daemon's abstract
// socket (containerd's shim was reached that way, CVE-2020-15257). A
// Landlock domain scoped to abstract unix sockets (Linux 6.12, Landlock
// ABI 6) keeps the guest's processes from connecting to sockets made
// outside it. A command run by vsc exec gets a domain of its own, so it
// cannot reach the abstract sockets of the guest's daemons either (path
// sockets are not affected).

// landlockScopedABI is the Landlock ABI that scopes abstract sockets.
const landlockScopedABI = 6

// ScopeAbstractUnix restricts the calling thread, and what it executes,
// to the abstract unix sockets of its own Landlock domain. ok is false,
// with no error, when the kernel lacks the scope (Landlock off, or older
// than Linux 6.12): the caller says so. The thread must have
// CAP_SYS_ADMIN in its user namespace (no no_new_privs is set).
func ScopeAbstractUnix() (ok bool, err error) {
	abi, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if errno != 0 || int(abi) < landlockScopedABI {
		return false, nil
	}
	attr := unix.LandlockRulesetAttr{Scoped: unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET}
	fd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr), 0)
	if errno != 0 {
		return false, fmt.Errorf("landlock_create_ruleset: %w", errno)
	}
	defer unix.Close(int(fd))
	if _, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, fd, 0, 0); errno != 0 {
		return false, fmt.Errorf("landlock_restrict_self: %w", errno)
	}
	return true, nil
}
