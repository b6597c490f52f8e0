package walls

import (
	"encoding/binary"
	"testing"

	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
)

// run runs a filter on a syscall as the kernel would, in the VM of
// x/net/bpf. The kernel's seccomp loads are in host order and the VM's in
// network order, so seccomp_data is written big-endian here.
func run(t *testing.T, raw []bpf.RawInstruction, auditArch uint32, nr uint32) uint32 {
	t.Helper()
	insts, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("the filter does not disassemble")
	}
	vm, err := bpf.NewVM(insts)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 64)
	binary.BigEndian.PutUint32(data[offNr:], nr)
	binary.BigEndian.PutUint32(data[offArch:], auditArch)
	ret, err := vm.Run(data)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(ret)
}

func TestFilter(t *testing.T) {
	deny := []string{"open_by_handle_at", "kexec_load", "iopl", "vm86", "bpf", "bpf"}
	for _, compat := range []bool{false, true} {
		raw, err := filterFor("amd64", deny, compat)
		if err != nil {
			t.Fatal(err)
		}
		x86, i386 := uint32(arch.X86_64.ID), uint32(arch.I386.ID)
		nr := func(a *arch.Info, name string) uint32 { return uint32(a.SyscallNames[name]) }
		cases := []struct {
			what      string
			arch, nr  uint32
			want      uint32
			compatToo bool // the same with compat
		}{
			{"native denied", x86, nr(arch.X86_64, "open_by_handle_at"), retErrno | errEPERM, true},
			{"native denied, last", x86, nr(arch.X86_64, "bpf"), retErrno | errEPERM, true},
			{"native iopl", x86, nr(arch.X86_64, "iopl"), retErrno | errEPERM, true},
			{"native allowed", x86, nr(arch.X86_64, "openat"), retAllow, true},
			{"native allowed, 0", x86, 0, retAllow, true},
			{"x32 open_by_handle_at", x86, x32Bit | nr(arch.X32, "open_by_handle_at"), retErrno | errNOSYS, true},
			{"x32 read", x86, x32Bit, retErrno | errNOSYS, true},
			{"foreign arch", uint32(arch.AARCH64.ID), 0, retErrno | errNOSYS, true},
		}
		for _, c := range cases {
			if got := run(t, raw, c.arch, c.nr); got != c.want {
				t.Errorf("compat=%v %s: %#x, want %#x", compat, c.what, got, c.want)
			}
		}
		// The 32-bit ABI: refused whole, or filtered with its own numbers.
		for _, c := range []struct {
			name string
			want uint32
		}{{"open_by_handle_at", retErrno | errEPERM}, {"vm86", retErrno | errEPERM}, {"read", retAllow}, {"kexec_load", retErrno | errEPERM}} {
			want := c.want
			if !compat {
				want = retErrno | errNOSYS
			}
			if got := run(t, raw, i386, nr(arch.I386, c.name)); got != want {
				t.Errorf("compat=%v i386 %s: %#x, want %#x", compat, c.name, got, want)
			}
		}
		// i386's number of a denied x86_64 syscall is another syscall.
		if got := run(t, raw, i386, nr(arch.X86_64, "open_by_handle_at")); compat && got != retAllow {
			t.Errorf("i386 nr %d (%s) denied: the compat block used native numbers", nr(arch.X86_64, "open_by_handle_at"), arch.I386.SyscallNumbers[int(nr(arch.X86_64, "open_by_handle_at"))])
		}
	}
	if _, err := filterFor("riscv64", deny, false); err == nil {
		t.Error("an unknown GOARCH was accepted")
	}
	// On arm64, open_by_handle_at is denied with aarch64's number; iopl is
	// no syscall of aarch64 or arm.
	raw, err := filterFor("arm64", []string{"open_by_handle_at"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := run(t, raw, uint32(arch.AARCH64.ID), uint32(arch.AARCH64.SyscallNames["open_by_handle_at"])); got != retErrno|errEPERM {
		t.Errorf("aarch64 open_by_handle_at: %#x", got)
	}
	if got := run(t, raw, uint32(arch.ARM.ID), uint32(arch.ARM.SyscallNames["open_by_handle_at"])); got != retErrno|errEPERM {
		t.Errorf("arm open_by_handle_at: %#x", got)
	}
	if _, err := filterFor("arm64", []string{"iopl"}, false); err != nil {
		t.Errorf("iopl on arm64: %v, want it skipped", err)
	}
}

// A long deny list has no jump too long for classic BPF.
func TestFilterLong(t *testing.T) {
	var names []string
	for name := range arch.X86_64.SyscallNames {
		if name != "read" {
			names = append(names, name)
		}
	}
	raw, err := filterFor("amd64", names, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := run(t, raw, uint32(arch.X86_64.ID), uint32(arch.X86_64.SyscallNames["read"])); got != retAllow {
		t.Errorf("read: %#x", got)
	}
	if got := run(t, raw, uint32(arch.X86_64.ID), uint32(arch.X86_64.SyscallNames["write"])); got != retErrno|errEPERM {
		t.Errorf("write: %#x", got)
	}
	if got := run(t, raw, uint32(arch.I386.ID), uint32(arch.I386.SyscallNames["write"])); got != retErrno|errEPERM {
		t.Errorf("i386 write: %#x", got)
	}
}
