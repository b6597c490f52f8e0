// Package testns makes the throwaway network namespaces that vsc's kernel
// tests and benchmarks aim vsc at (--netns), so that nothing they do
// touches the machine's own links, addresses, routes or rules.
package testns

import (
	"fmt"
	"os"
	"os/exec"
	"sync/atomic"
)

var made atomic.Int64

// New makes a network namespace named PREFIX-PID-N, unique on the
// machine, holding a veth pair eth0/eth1, both up (as a host's existing
// link is), and lo up. remove deletes it; call it even when a test fails.
func New(prefix string) (name string, remove func(), err error) {
	name = fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), made.Add(1))
	remove = func() { exec.Command("ip", "netns", "del", name).Run() }
	for _, args := range [][]string{
		{"netns", "add", name},
		{"-n", name, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1"},
		{"-n", name, "link", "set", "lo", "up"},
		{"-n", name, "link", "set", "eth0", "up"},
		{"-n", name, "link", "set", "eth1", "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			remove()
			return "", nil, fmt.Errorf("ip %v: %v: %s", args, err, out)
		}
	}
	return name, remove, nil
}
