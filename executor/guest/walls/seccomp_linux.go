package walls

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// LoadFilter installs a program of Filter on every thread of the calling
// process (SECCOMP_FILTER_FLAG_TSYNC), for it and all it executes. It
// does not set no_new_privs: the caller must have CAP_SYS_ADMIN in its
// user namespace, as a guest's init and vsc exec have before they
// execute the guest's program, and setuid programs keep working.
func LoadFilter(raw []bpf.RawInstruction) error {
	if len(raw) == 0 || len(raw) > 4096 {
		return fmt.Errorf("seccomp: a program of %d instructions (1..4096)", len(raw))
	}
	filter := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		filter[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	tid, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog)))
	switch {
	case errno == 0 && tid != 0:
		return fmt.Errorf("cannot load the guest's syscall filter: thread %d of vsc could not take it", tid)
	case errno == 0:
		return nil
	case errors.Is(errno, unix.EINVAL) || errors.Is(errno, unix.ENOSYS):
		return fmt.Errorf("cannot load the guest's syscall filter: %w (the kernel needs CONFIG_SECCOMP_FILTER)", errno)
	default:
		return fmt.Errorf("cannot load the guest's syscall filter: %w", errno)
	}
}
