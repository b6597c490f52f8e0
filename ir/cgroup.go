package ir

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// KindCgroupSet creates a guest's cgroup and sets its limits.
const KindCgroupSet Kind = "cgroup.set"

// CgroupSet creates the guest's cgroup (named after its context) and
// writes the limits that replace util-vserver's sched, cpuset and
// context-wide rlimits. A zero value leaves the kernel's default.
//
//	mkdir /sys/fs/cgroup/vsc/300; echo 25000 100000 > cpu.max; echo 0-1 > cpuset.cpus; echo 536870912 > memory.max; …
type CgroupSet struct {
	Guest     string `ir:"guest"`
	Context   int    `ir:"context"`              // 2..49151
	Cpus      string `ir:"cpus,omitempty"`       // cpuset.cpus list, e.g. 0-3,6
	Mems      string `ir:"mems,omitempty"`       // cpuset.mems list
	CPUMax    string `ir:"cpu_max,omitempty"`    // cpu.max "QUOTA PERIOD" in µs, e.g. "25000 100000"; QUOTA may be max
	CPUWeight int    `ir:"cpu_weight,omitempty"` // cpu.weight, 1..10000
	MemoryMax int64  `ir:"memory_max,omitempty"` // memory.max in bytes
	PidsMax   int64  `ir:"pids_max,omitempty"`   // pids.max
}

func (*CgroupSet) Kind() Kind { return KindCgroupSet }

// cpuList matches the kernel's cpu and node list format (cpuset.cpus).
var cpuList = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$`) })

func (b *CgroupSet) check(c *checker) {
	c.context("context", int64(b.Context))
	if b.Cpus != "" && !cpuList().MatchString(b.Cpus) {
		c.fail("cpus", "%q is not a cpu list like 0-3,6", b.Cpus)
	}
	if b.Mems != "" && !cpuList().MatchString(b.Mems) {
		c.fail("mems", "%q is not a node list like 0-1", b.Mems)
	}
	if b.CPUMax != "" && !validCPUMax(b.CPUMax) {
		c.fail("cpu_max", "%q is not \"QUOTA PERIOD\" with QUOTA max or 1000.. µs and PERIOD 1000..1000000 µs", b.CPUMax)
	}
	if b.CPUWeight != 0 {
		c.intRange("cpu_weight", int64(b.CPUWeight), 1, 10000)
	}
	if b.MemoryMax < 0 {
		c.fail("memory_max", "%d is negative", b.MemoryMax)
	}
	if b.PidsMax < 0 {
		c.fail("pids_max", "%d is negative", b.PidsMax)
	}
}

// validCPUMax checks a cpu.max value within the bounds the kernel
// accepts (tg_set_cfs_bandwidth: period 1 ms..1 s, quota at least 1 ms).
func validCPUMax(s string) bool {
	quota, period, ok := strings.Cut(s, " ")
	if !ok {
		return false
	}
	p, err := strconv.ParseInt(period, 10, 64)
	if err != nil || p < 1000 || p > 1000000 {
		return false
	}
	if quota == "max" {
		return true
	}
	q, err := strconv.ParseInt(quota, 10, 64)
	return err == nil && q >= 1000
}
