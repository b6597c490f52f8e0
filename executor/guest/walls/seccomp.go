package walls

import (
	"fmt"
	"runtime"
	"slices"

	"golang.org/x/net/bpf"

	"vsc/ir"
)

// The seccomp filter of a guest (seccomp.set). Its program, for the
// native ABI N and, with compat, the 32-bit ABI C of the host:
//
//	ld arch
//	jeq N → native;  [jeq C → compat;]  ret ERRNO(ENOSYS)
//	native: ld nr;  [x86_64: jge X32 bit → ret ERRNO(ENOSYS);]  for each denied nr: jeq nr → ret ERRNO(EPERM);  ret ALLOW
//	compat: ld nr;  for each denied nr: jeq nr → ret ERRNO(EPERM);  ret ALLOW
//
// Each denied number is tested by a jeq over its own return, so that no
// jump is longer than one instruction whatever the list's length. A
// syscall that an ABI lacks (iopl on aarch64) is not in its block.

// Return values of a seccomp filter (linux/seccomp.h).
const (
	retAllow = 0x7fff0000 // SECCOMP_RET_ALLOW
	retErrno = 0x00050000 // SECCOMP_RET_ERRNO | errno
	errEPERM = 1
	errNOSYS = 38
)

// seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6].
const (
	offNr   = 0
	offArch = 4
)

// x32Bit marks a syscall number of the x32 ABI on x86_64.
const x32Bit = 0x40000000

// abi is one syscall ABI: its name in ir's syscall table and its audit
// architecture (linux/audit.h), which seccomp_data.arch holds.
type abi struct {
	name  string
	audit uint32
}

// The ABIs of the hosts vsc runs guests on.
var (
	abiX86_64  = abi{"x86_64", 0xc000003e}
	abiI386    = abi{"i386", 0x40000003}
	abiAARCH64 = abi{"aarch64", 0xc00000b7}
	abiARM     = abi{"arm", 0x40000028}
)

// abis are the native and 32-bit ABIs of the GOARCHes vsc runs guests on.
var abis = map[string]struct{ native, compat abi }{
	"amd64": {abiX86_64, abiI386},
	"arm64": {abiAARCH64, abiARM},
}

// Filter assembles the seccomp program that denies the syscalls of deny
// (Linux's names) with EPERM, and every syscall of another ABI than the
// host's own with ENOSYS, unless compat admits the host's 32-bit ABI. A
// name is denied on the ABIs that have it: one that no ABI of this host
// has (iopl on arm64; ir.Verify checked that it is a syscall somewhere)
// cannot be called here.
func Filter(deny []string, compat bool) ([]bpf.RawInstruction, error) {
	return filterFor(runtime.GOARCH, deny, compat)
}

func filterFor(goarch string, deny []string, compat bool) ([]bpf.RawInstruction, error) {
	a, ok := abis[goarch]
	if !ok {
		return nil, fmt.Errorf("seccomp: vsc has no syscall table for %s; guests run on amd64 and arm64", goarch)
	}
	block := func(a abi, x32 bool) []bpf.Instruction {
		prog := []bpf.Instruction{bpf.LoadAbsolute{Off: offNr, Size: 4}}
		if x32 {
			prog = append(prog, bpf.JumpIf{Cond: bpf.JumpLessThan, Val: x32Bit, SkipTrue: 1},
				bpf.RetConstant{Val: retErrno | errNOSYS})
		}
		var nrs []int
		for _, name := range deny {
			if nr, ok := ir.SyscallNumber(a.name, name); ok && !slices.Contains(nrs, nr) {
				nrs = append(nrs, nr)
			}
		}
		slices.Sort(nrs)
		for _, nr := range nrs {
			prog = append(prog, bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(nr), SkipTrue: 1},
				bpf.RetConstant{Val: retErrno | errEPERM})
		}
		return append(prog, bpf.RetConstant{Val: retAllow})
	}
	native := block(a.native, a.native == abiX86_64)
	toNative := uint32(1) // over the ENOSYS return
	if compat {
		toNative = 3 // over the compat test, its jump and the ENOSYS return
	}
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: offArch, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: a.native.audit, SkipTrue: 1},
		bpf.Jump{Skip: toNative},
	}
	if compat {
		cb := block(a.compat, false)
		prog = append(prog,
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: a.compat.audit, SkipTrue: 1},
			bpf.Jump{Skip: uint32(1 + len(native))},
			bpf.RetConstant{Val: retErrno | errNOSYS})
		prog = append(prog, native...)
		prog = append(prog, cb...)
	} else {
		prog = append(prog, bpf.RetConstant{Val: retErrno | errNOSYS})
		prog = append(prog, native...)
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("seccomp: %w", err)
	}
	return raw, nil
}
