package walls

import (
	"encoding/binary"
	"testing"

	"golang.org/x/net/bpf"

	"vsc/ir"
)

// nr is a syscall's number on an ABI, from ir's table.
func nr(t *testing.T, a abi, name string) uint32 {
	t.Helper()
	n, ok := ir.SyscallNumber(a.name, name)
	if !ok {
		t.Fatalf("%s has no %s", a.name, name)
	}
	return uint32(n)
}

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
		x86, i386 := abiX86_64.audit, abiI386.audit
		cases := []struct {
			what      string
			arch, nr  uint32
			want      uint32
			compatToo bool // the same with compat
		}{
			{"native denied", x86, nr(t, abiX86_64, "open_by_handle_at"), retErrno | errEPERM, true},
			{"native denied, last", x86, nr(t, abiX86_64, "bpf"), retErrno | errEPERM, true},
			{"native iopl", x86, nr(t, abiX86_64, "iopl"), retErrno | errEPERM, true},
			{"native allowed", x86, nr(t, abiX86_64, "openat"), retAllow, true},
			{"native allowed, 0", x86, 0, retAllow, true},
			{"x32 open_by_handle_at", x86, x32Bit | nr(t, abiX86_64, "open_by_handle_at"), retErrno | errNOSYS, true},
			{"x32 read", x86, x32Bit, retErrno | errNOSYS, true},
			{"foreign arch", abiAARCH64.audit, 0, retErrno | errNOSYS, true},
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
			if got := run(t, raw, i386, nr(t, abiI386, c.name)); got != want {
				t.Errorf("compat=%v i386 %s: %#x, want %#x", compat, c.name, got, want)
			}
		}
		// i386's number of a denied x86_64 syscall is another syscall.
		if got := run(t, raw, i386, nr(t, abiX86_64, "open_by_handle_at")); compat && got != retAllow {
			t.Errorf("i386 nr %d denied: the compat block used native numbers", nr(t, abiX86_64, "open_by_handle_at"))
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
	if got := run(t, raw, abiAARCH64.audit, nr(t, abiAARCH64, "open_by_handle_at")); got != retErrno|errEPERM {
		t.Errorf("aarch64 open_by_handle_at: %#x", got)
	}
	if got := run(t, raw, abiARM.audit, nr(t, abiARM, "open_by_handle_at")); got != retErrno|errEPERM {
		t.Errorf("arm open_by_handle_at: %#x", got)
	}
	if _, err := filterFor("arm64", []string{"iopl"}, false); err != nil {
		t.Errorf("iopl on arm64: %v, want it skipped", err)
	}
}

// A long deny list has no jump too long for classic BPF.
func TestFilterLong(t *testing.T) {
	var names []string
	for _, name := range ir.SyscallNames() {
		if _, ok := ir.SyscallNumber("x86_64", name); ok && name != "read" {
			names = append(names, name)
		}
	}
	raw, err := filterFor("amd64", names, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := run(t, raw, abiX86_64.audit, nr(t, abiX86_64, "read")); got != retAllow {
		t.Errorf("read: %#x", got)
	}
	if got := run(t, raw, abiX86_64.audit, nr(t, abiX86_64, "write")); got != retErrno|errEPERM {
		t.Errorf("write: %#x", got)
	}
	if got := run(t, raw, abiI386.audit, nr(t, abiI386, "write")); got != retErrno|errEPERM {
		t.Errorf("i386 write: %#x", got)
	}
}

// FuzzFilter: for any deny list and either compat, the assembled program
// denies exactly the listed syscalls (EPERM) on each ABI that has them,
// allows every other, and refuses x32 and foreign ABIs (ENOSYS).
func FuzzFilter(f *testing.F) {
	f.Add([]byte{0, 1, 2, 200}, false)
	f.Add([]byte{255, 17, 17, 3}, true)
	names := ir.SyscallNames()
	f.Fuzz(func(t *testing.T, picks []byte, compat bool) {
		var deny []string
		denied := map[string]bool{}
		for i := 0; i+1 < len(picks) && len(deny) < 300; i += 2 {
			n := names[(int(picks[i])<<8|int(picks[i+1]))%len(names)]
			deny = append(deny, n)
			denied[n] = true
		}
		raw, err := filterFor("amd64", deny, compat)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []abi{abiX86_64, abiI386} {
			nrDenied := map[int]bool{}
			for n := range denied {
				if nr, ok := ir.SyscallNumber(a.name, n); ok {
					nrDenied[nr] = true
				}
			}
			for nr := 0; nr < 460; nr += 7 {
				want := uint32(retAllow)
				if nrDenied[nr] {
					want = retErrno | errEPERM
				}
				if a == abiI386 && !compat {
					want = retErrno | errNOSYS
				}
				if got := run(t, raw, a.audit, uint32(nr)); got != want {
					t.Fatalf("%s nr %d: %#x, want %#x (deny %v, compat %v)", a.name, nr, got, want, deny, compat)
				}
			}
		}
		if got := run(t, raw, abiX86_64.audit, x32Bit|1); got != retErrno|errNOSYS {
			t.Fatalf("x32: %#x", got)
		}
		if got := run(t, raw, abiAARCH64.audit, 1); got != retErrno|errNOSYS {
			t.Fatalf("aarch64 on amd64: %#x", got)
		}
	})
}
