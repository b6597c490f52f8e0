package executor

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"vsc/internal/testns"
)

// Kernel tests run as root in a network namespace of their own, named
// uniquely and removed even when the test fails; they never touch the
// machine's own links, addresses, routes or rules. Results are read back
// with `ip -j`, an independent reader.

type sandbox struct {
	t        *testing.T
	ns       string
	stateDir string
}

// needRoot skips a kernel test, loudly, when it cannot run.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIP: kernel test needs root (network namespaces, mounts)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("SKIP: kernel test needs iproute2's ip to read results back")
	}
}

// newSandbox makes a network namespace with a veth pair eth0/eth1 (eth0
// up, the way a host's existing link is) and a state dir.
func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	needRoot(t)
	ns, remove, err := testns.New("vsc-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)
	return &sandbox{t: t, ns: ns, stateDir: t.TempDir()}
}

func (s *sandbox) options() Options {
	return Options{StateDir: s.stateDir, NetNS: s.ns}
}

// ip runs `ip -n NS ARGS` and fails the test if it fails.
func (s *sandbox) ip(args ...string) string {
	s.t.Helper()
	return runCmd(s.t, "ip", append([]string{"-n", s.ns}, args...)...)
}

// ipJSON runs `ip -j -n NS ARGS` and decodes its output.
func (s *sandbox) ipJSON(args ...string) []map[string]any {
	s.t.Helper()
	out := runCmd(s.t, "ip", append([]string{"-j", "-n", s.ns}, args...)...)
	var v []map[string]any
	if strings.TrimSpace(out) == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		s.t.Fatalf("ip -j %v: %v\n%s", args, err, out)
	}
	return v
}

// addrs lists "DEV ADDRESS/PREFIX LABEL" for every global address of the
// sandbox, sorted, as ip reads them.
func (s *sandbox) addrs() []string {
	s.t.Helper()
	var out []string
	for _, l := range s.ipJSON("addr", "show") {
		infos, _ := l["addr_info"].([]any)
		for _, i := range infos {
			a := i.(map[string]any)
			if a["scope"] != "global" {
				continue
			}
			out = append(out, fmt.Sprintf("%s %s/%v %v", l["ifname"], a["local"], a["prefixlen"], a["label"]))
		}
	}
	return sorted(out)
}

func runCmd(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func sorted(ss []string) []string { return slices.Sorted(slices.Values(ss)) }
