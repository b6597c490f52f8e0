package ir

import (
	"slices"
	"strings"
)

// KindSeccompSet loads a guest's syscall filter.
const KindSeccompSet Kind = "seccomp.set"

// SeccompSet loads a seccomp filter into the guest's init just before it
// is executed, which every process of the guest inherits (vsc exec and
// enter load it too): the syscalls of Deny fail with EPERM, and a
// syscall of another ABI than the host's own (the 32-bit one, x32) fails
// with ENOSYS unless Compat admits the host's 32-bit ABI (a guest with a
// 32-bit personality). The filter is loaded without no_new_privs, so
// that setuid programs (su, ping) keep working in the guest.
//
//	(a seccomp BPF program: arch != native → ENOSYS; nr ∈ deny → EPERM; else allow)
type SeccompSet struct {
	Guest  string   `ir:"guest"`
	Deny   []string `ir:"deny"`             // syscall names, as Linux's syscall tables spell them
	Compat bool     `ir:"compat,omitempty"` // admit the 32-bit ABI of the host (i386 on x86_64, arm on aarch64)
}

func (*SeccompSet) Kind() Kind { return KindSeccompSet }

func (b *SeccompSet) check(c *checker) {
	c.list("deny", b.Deny, func(name string) {
		if !Syscall(name) {
			c.fail("deny", "%q is not a Linux syscall", name)
		}
	})
}

// syscallRow is a row of syscallTable (syscalls_table.go, generated).
type syscallRow struct {
	name string
	nr   [len(syscallABIs)]int32
}

func findSyscall(name string) (*syscallRow, bool) {
	i, ok := slices.BinarySearchFunc(syscallTable[:], name, func(r syscallRow, n string) int { return strings.Compare(r.name, n) })
	if !ok {
		return nil, false
	}
	return &syscallTable[i], true
}

// Syscall reports whether name is a syscall of Linux on one of the ABIs
// vsc knows (x86_64, i386, aarch64, arm; x32's names are x86_64's).
func Syscall(name string) bool {
	_, ok := findSyscall(name)
	return ok
}

// SyscallNumber returns the number of syscall name on an ABI (x86_64,
// i386, aarch64, arm); ok is false when that ABI lacks it.
func SyscallNumber(abi, name string) (nr int, ok bool) {
	col := slices.Index(syscallABIs[:], abi)
	r, found := findSyscall(name)
	if col < 0 || !found || r.nr[col] < 0 {
		return 0, false
	}
	return int(r.nr[col]), true
}

// SyscallNames lists every syscall name Syscall knows, sorted, for
// editors and did-you-mean suggestions.
func SyscallNames() []string {
	out := make([]string, len(syscallTable))
	for i, r := range syscallTable {
		out[i] = r.name
	}
	return out
}
