package compiler

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vsc/ir"
)

// opOf returns the body of kind T of guest owner in p, failing when there
// is none.
func opOf[T ir.Body](t *testing.T, p *ir.Plan, owner string) T {
	t.Helper()
	for _, op := range p.Ops {
		if b, ok := op.Body.(T); ok && op.Owner == owner {
			return b
		}
	}
	var zero T
	t.Fatalf("no %T of %s in the plan:\n%s", zero, owner, p.Text())
	return zero
}

// compileText compiles a configuration of one host, which may have
// warnings but no error.
func compileText(t *testing.T, config string) *ir.Plan {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.vsc.hcl"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := diagnose(dir)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	p, err := Compile(cfg, cfg.Hosts[0].Name.V)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Every guest gets the walls: its own user namespace mapped from its
// context, a /dev of vsc's, masked paths, the default syscall filter,
// a pids.max floor, and its sockets confined to its addresses.
func TestWallsLowered(t *testing.T) {
	p := compileText(t, `
host "h" {
  interface "eth0" {}
}
guest "web" {
  context = 300
  interface "0" {
    dev = "eth0"
    ip  = "192.0.2.10/24"
  }
  interface "1" {
    dev = "eth0"
    ip  = "2001:db8::10/64"
  }
  interface "2" {
    dev = "eth0"
    ip  = "192.0.2.11/24"
  }
}
guest "db" {
  context = 301
  rlimits {
    nproc = 100
  }
  seccomp {
    allow = ["io_uring_setup", "io_uring_enter", "io_uring_register"]
    deny  = ["mbind"]
  }
}
guest "batch" {
  context = 302
  rlimits {
    nproc = "unlimited"
  }
}
`)
	ns := opOf[*ir.NsNew](t, p, "guest.web")
	if want := []string{"user", "mnt", "uts", "ipc", "pid"}; !slices.Equal(ns.Kinds, want) || ns.IDBase != 300*65536 || ns.IDCount != 65536 {
		t.Errorf("ns.new kinds=%v id_base=%d id_count=%d, want %v, %d, 65536", ns.Kinds, ns.IDBase, ns.IDCount, want, 300*65536)
	}
	if d := opOf[*ir.GuestDev](t, p, "guest.web"); !slices.Equal(d.Nodes, ir.DefaultDevices()) {
		t.Errorf("guest.dev nodes %v", d.Nodes)
	}
	m := opOf[*ir.GuestMask](t, p, "guest.web")
	for _, want := range []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/acpi", "/sys/firmware"} {
		if !slices.Contains(m.Masked, want) {
			t.Errorf("guest.mask masked lacks %s: %v", want, m.Masked)
		}
	}
	for _, want := range []string{"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs"} {
		if !slices.Contains(m.Readonly, want) {
			t.Errorf("guest.mask readonly lacks %s: %v", want, m.Readonly)
		}
	}
	if c := opOf[*ir.NetConfine](t, p, "guest.web"); !slices.Equal(c.Addresses, []string{"192.0.2.10", "2001:db8::10", "192.0.2.11"}) {
		t.Errorf("net.confine addresses %v: want the first of each family first", c.Addresses)
	}
	if c := opOf[*ir.NetConfine](t, p, "guest.db"); len(c.Addresses) != 0 {
		t.Errorf("a guest without addresses is confined to %v", c.Addresses)
	}
	web := opOf[*ir.SeccompSet](t, p, "guest.web")
	if !slices.Equal(web.Deny, DefaultDeny()) || web.Compat {
		t.Errorf("default filter: deny=%v compat=%v", web.Deny, web.Compat)
	}
	for _, must := range []string{"open_by_handle_at", "kexec_load", "init_module", "finit_module", "bpf", "perf_event_open",
		"keyctl", "add_key", "request_key", "userfaultfd", "swapon", "swapoff", "acct", "settimeofday", "clock_settime", "iopl", "ioperm"} {
		if !slices.Contains(web.Deny, must) {
			t.Errorf("the default filter does not deny %s", must)
		}
	}
	for _, name := range DefaultDeny() {
		if !ir.Syscall(name) {
			t.Errorf("the default filter denies %q, which is no syscall Linux has", name)
		}
	}
	db := opOf[*ir.SeccompSet](t, p, "guest.db")
	if slices.Contains(db.Deny, "io_uring_setup") || !slices.Contains(db.Deny, "mbind") || !slices.Contains(db.Deny, "bpf") {
		t.Errorf("seccomp allow and deny not applied: %v", db.Deny)
	}
	for guest, want := range map[string]int64{"guest.web": DefaultPidsMax, "guest.db": 100, "guest.batch": 0} {
		if got := opOf[*ir.CgroupSet](t, p, guest).PidsMax; got != want {
			t.Errorf("%s: pids_max %d, want %d", guest, got, want)
		}
	}
	for _, op := range p.Ops {
		if b, ok := op.Body.(*ir.GuestMount); ok && b.Target == "/sys" && !slices.Contains(b.Options, "ro") {
			t.Errorf("/sys is not read-only: %v", b.Options)
		}
	}
}

// An isolated guest has a network namespace, no address on the host's
// links, and a veth pair whose host routes go in main and every table.
func TestIsolatedLowered(t *testing.T) {
	p := compileText(t, `
host "h" {
  interface "eth0" {}
  table "t7" {
    id = 7
    route {
      to  = "10.7.0.0/16"
      dev = "eth0"
    }
  }
  table "t3" {
    id = 3
    route {
      to  = "10.3.0.0/16"
      dev = "eth0"
    }
  }
}
guest "web" {
  context = 300
  network = "isolated"
  interface "0" {
    dev = "eth0"
    ip  = "10.7.0.2/16"
  }
}
`)
	if ns := opOf[*ir.NsNew](t, p, "guest.web"); !slices.Contains(ns.Kinds, "net") {
		t.Errorf("ns.new kinds %v lacks net", ns.Kinds)
	}
	want := &ir.VethAdd{Guest: "web", Name: "vsc300", Addresses: []string{"10.7.0.2/16"}, Links: []string{"eth0"}, Tables: []string{"254", "3", "7"}}
	if diff := cmp.Diff(want, opOf[*ir.VethAdd](t, p, "guest.web")); diff != "" {
		t.Errorf("veth.add (-want +got):\n%s", diff)
	}
	for _, op := range p.Ops {
		switch op.Body.(type) {
		case *ir.AddrAdd, *ir.NetConfine:
			t.Errorf("an isolated guest has %s", op.Body.Kind())
		}
	}
}
