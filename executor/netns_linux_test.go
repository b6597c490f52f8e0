package executor

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNetnsLostMidApply takes the namespace --netns names away while an
// apply works in it — deleted, or deleted and made again under the same
// name — and expects the apply to fail naming it, vsc's record to stay
// empty, and the namespace now bearing the name to be untouched.
func TestNetnsLostMidApply(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		again      bool
	}{
		{"deleted", "was deleted during the run", false},
		{"replaced", "was replaced by another during the run", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			o := s.options()
			fired := false
			o.Progress = func(done, total int) {
				if fired {
					return
				}
				fired = true
				runCmd(t, "ip", "netns", "del", s.ns)
				if tc.again {
					runCmd(t, "ip", "netns", "add", s.ns)
				}
			}
			_, err := Apply(addrPlan(t, 3*maxBatch, 71), o)
			if !fired {
				t.Fatal("Progress was never called: the test did not take the namespace away")
			}
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("network namespace %q %s", s.ns, tc.want)) {
				t.Fatalf("apply: %v, want an error saying the namespace %s", err, tc.want)
			}
			if !strings.Contains(err.Error(), "Rolled back") {
				t.Errorf("apply error does not say what it rolled back: %v", err)
			}
			if tc.again {
				if got := s.addrs(); len(got) != 0 {
					t.Errorf("the new namespace %s was changed: %v", s.ns, got)
				}
			}
			h := &Host{name: "test", stateDir: filepath.Join(s.stateDir, "test")}
			rec, err := h.loadRecord()
			if err != nil {
				t.Fatal(err)
			}
			if n := len(rec.byKey); n != 0 {
				t.Errorf("the record holds %d objects made in a namespace no one reaches", n)
			}
		})
	}
}

// TestOnlyRouteSockets lists the netlink sockets of the process while an
// apply runs: every one is NETLINK_ROUTE. vishvananda/netlink, given no
// family, opens XFRM and netfilter sockets too, and fails where their
// modules cannot load.
func TestOnlyRouteSockets(t *testing.T) {
	s := newSandbox(t)
	o := s.options()
	var seen []string
	o.Progress = func(done, total int) {
		if seen == nil {
			seen = netlinkSockets(t)
		}
	}
	if _, err := Apply(addrPlan(t, 2, 72), o); err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 {
		t.Fatal("no netlink socket open during the apply: the test reads the wrong thing")
	}
	for _, p := range seen {
		if p != fmt.Sprint(unix.NETLINK_ROUTE) {
			t.Errorf("apply holds a netlink socket of protocol %s, want only NETLINK_ROUTE (%d): %v", p, unix.NETLINK_ROUTE, seen)
		}
	}
}

// netlinkSockets lists the protocol of every netlink socket the process
// holds, read with getsockopt on its descriptors.
func netlinkSockets(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		var fd int
		if _, err := fmt.Sscan(e.Name(), &fd); err != nil {
			continue
		}
		dom, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
		if err != nil || dom != unix.AF_NETLINK {
			continue
		}
		proto, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(proto))
	}
	return out
}
