package ir

import (
	"maps"
	"slices"
	"sync"

	"github.com/elastic/go-seccomp-bpf/arch"
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

// syscallArches are the ABIs whose syscall tables name Linux's syscalls
// for vsc: those of the hosts vsc runs on and their 32-bit ABIs.
var syscallArches = []*arch.Info{arch.X86_64, arch.I386, arch.X32, arch.AARCH64, arch.ARM}

var syscallNames = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	for _, a := range syscallArches {
		for name := range a.SyscallNames {
			out[name] = true
		}
	}
	return out
})

// Syscall reports whether name is a syscall of Linux on one of the ABIs
// vsc knows (x86_64, i386, x32, aarch64, arm).
func Syscall(name string) bool { return syscallNames()[name] }

// SyscallNames lists every syscall name Syscall knows, sorted, for
// editors and did-you-mean suggestions.
func SyscallNames() []string { return slices.Sorted(maps.Keys(syscallNames())) }
