package compiler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// Bounds of the numbers a guest takes, as the kernel and util-vserver
// accept them.
const (
	MinNice     = -20
	MaxNice     = 19
	MinRunlevel = 1 // 0 and 6 halt and reboot
	MaxRunlevel = 5
	MaxReserved = 100 // percent
)

var valueRange = &Check{
	Name:     "value-range",
	Severity: hcl.DiagError,
	Doc: `Number out of its range

A number the kernel or util-vserver would refuse, or take to mean
something else:

  - nice outside -20..19 (setpriority clamps it silently);
  - init.runlevel outside 1..5 (0 halts and 6 reboots the guest at once);
  - disk_limit.reserved outside 0..100 (a percentage);
  - disk_limit.space_total or inodes_total of 0 or less (no room at all);
  - a disk_limit with neither space_total nor inodes_total;
  - an rlimit whose soft value is above its hard value ("unlimited" is
    the largest), which setrlimit refuses; rlimits.nproc or rlimits.rss of
    0 (they limit the whole guest: it could run nothing);
  - sched.fill_rate or sched.interval of 0 or less, or sched.tokens_min
    above sched.tokens_max, or a negative number of tokens;
  - cpuset.cpus or cpuset.mems that is not a kernel CPU list: numbers and
    ranges A-B with A <= B, separated by commas, as in "0-3,8,10-11";
  - any number beyond ±2^53, which vsc refuses rather than round.

    guest "web" {
      context = 300
      nice    = 20                               # value-range: at most 19
      rlimits {
        nofile = { soft = 8192, hard = 4096 }    # value-range: soft > hard
      }
    }

Bring the value into its range; the detail gives the range.
`,
	Run: func(p *Pass) {
		seen := once{}
		report := func(v hcl.Range, what, summary, detail string, related ...hcl.Range) {
			if seen.first(v, what) {
				p.Report(v, summary, detail, related...)
			}
		}
		intRange := func(g *lang.Guest, v lang.Val[int64], name, summary string, lo, hi int64, why string) {
			if v.Set && (v.V < lo || v.V > hi) {
				report(v.Range, name+strconv.FormatInt(v.V, 10), summary,
					fmt.Sprintf("The %s of %s is %d, outside %d..%d%s. Give a value from %d to %d.", name, owner(g), v.V, lo, hi, why, lo, hi))
			}
		}
		positive := func(g *lang.Guest, v lang.Val[int64], name, summary, why string) {
			if v.Set && v.V <= 0 {
				report(v.Range, name+strconv.FormatInt(v.V, 10), summary,
					fmt.Sprintf("The %s of %s is %d; %s. Give a number above 0.", name, owner(g), v.V, why))
			}
		}
		eachGuestBlock(p, func(g *lang.Guest) {
			intRange(g, g.Nice, "nice", "Nice value out of range", MinNice, MaxNice, ", the kernel's range of nice values")
			if i := g.Init; i != nil {
				intRange(g, i.Runlevel, "init.runlevel", "Runlevel out of range", MinRunlevel, MaxRunlevel, "; 0 would halt the guest and 6 reboot it as soon as it starts")
			}
			if d := g.DiskLimit; d != nil {
				intRange(g, d.Reserved, "disk_limit.reserved", "Reserved percentage out of range", 0, MaxReserved, "; it is the percentage of space kept for the guest's root user")
				if s := d.SpaceTotal; s.Set && int64(s.V) <= 0 {
					report(s.Range, "space_total", "Disk limit size not positive",
						fmt.Sprintf("The disk_limit.space_total of %s is %s, which leaves the guest no room at all. Give a size above 0, such as \"2GiB\", or remove the disk_limit block.",
							owner(g), kib(int64(s.V))))
				}
				positive(g, d.InodesTotal, "disk_limit.inodes_total", "Inode limit not positive", "the guest could not create a single file")
			}
			if d := g.DiskLimit; d != nil && !d.SpaceTotal.Set && !d.InodesTotal.Set {
				report(d.DeclRange, "disk_limit", "Disk limit without a limit",
					fmt.Sprintf("The disk_limit of %s sets neither space_total nor inodes_total, so it limits nothing. Set one of them or both, or remove the block.", owner(g)))
			}
			if g.Rlimits != nil {
				for l := range g.Rlimits.All() {
					if l.V.Soft > l.V.Hard {
						report(l.SoftRange(), "rlimit "+l.Name, "Soft limit above hard limit",
							fmt.Sprintf("The rlimits.%s of %s has soft limit %s above its hard limit %s (at %s), which setrlimit refuses. Lower the soft limit or raise the hard one.",
								l.Name, owner(g), limitText(l.V.Soft), limitText(l.V.Hard), Site(l.HardRange())),
							l.HardRange())
					}
					// nproc and rss are the guest's whole pids.max and
					// memory.max: 0 would let it run nothing at all.
					if (l.Name == "nproc" || l.Name == "rss") && l.V.Hard == 0 {
						report(l.HardRange(), "rlimit0 "+l.Name, "Limit of zero",
							fmt.Sprintf("The rlimits.%s of %s is 0, which would leave the whole guest no %s at all. Give a number above 0, or \"unlimited\".",
								l.Name, owner(g), map[string]string{"nproc": "process", "rss": "memory"}[l.Name]))
					}
				}
			}
			if s := g.Sched; s != nil {
				positive(g, s.FillRate, "sched.fill_rate", "Fill rate not positive", "the guest would never be given CPU time")
				positive(g, s.Interval, "sched.interval", "Scheduler interval not positive", "it is the number of scheduler ticks between two refills of the bucket")
				for _, t := range []struct {
					name string
					v    lang.Val[int64]
				}{{"sched.tokens", s.Tokens}, {"sched.tokens_min", s.TokensMin}, {"sched.tokens_max", s.TokensMax}} {
					if t.v.Set && t.v.V < 0 {
						report(t.v.Range, t.name+strconv.FormatInt(t.v.V, 10), "Negative token count",
							fmt.Sprintf("The %s of %s is %d; a bucket holds 0 tokens or more. Give a number of 0 or more.", t.name, owner(g), t.v.V))
					}
				}
				if s.TokensMin.Set && s.TokensMax.Set && s.TokensMin.V > s.TokensMax.V {
					report(s.TokensMin.Range, "tokens_min", "Token minimum above maximum",
						fmt.Sprintf("The sched.tokens_min of %s is %d, above its sched.tokens_max %d (at %s): the bucket could never fill enough to run. Lower tokens_min or raise tokens_max.",
							owner(g), s.TokensMin.V, s.TokensMax.V, Site(s.TokensMax.Range)),
						s.TokensMax.Range)
				}
			}
			if c := g.Cpuset; c != nil {
				for _, l := range []struct {
					name, unit string
					v          lang.Val[string]
				}{{"cpuset.cpus", "CPU", c.Cpus}, {"cpuset.mems", "memory node", c.Mems}} {
					if !l.v.Set {
						continue
					}
					if why := cpuListProblem(l.v.V); why != "" {
						report(l.v.Range, l.name+" "+l.v.V, "Invalid CPU list",
							fmt.Sprintf("The %s of %s is %q, but %s. Write %s numbers and ranges separated by commas, as in \"0-3,8,10-11\".",
								l.name, owner(g), l.v.V, why, l.unit))
					}
				}
			}
		})
	},
}

func limitText(n uint64) string {
	if n == lang.Unlimited {
		return `"unlimited"`
	}
	return strconv.FormatUint(n, 10)
}

func kib(bytes int64) string {
	if bytes%1024 == 0 {
		return fmt.Sprintf("%d KiB", bytes/1024)
	}
	return fmt.Sprintf("%d bytes", bytes)
}

// cpuListProblem says why s is not a kernel CPU list ("0-3,8,10-11"),
// "" if it is one.
func cpuListProblem(s string) string {
	if s == "" {
		return "it is empty, which would leave the guest nothing to run on"
	}
	for _, item := range strings.Split(s, ",") {
		if item == "" {
			return "it has an empty item (a comma at an end, or two in a row)"
		}
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := strconv.ParseUint(lo, 10, 32)
		if err != nil {
			return fmt.Sprintf("%q is not a number or a range A-B", item)
		}
		if !isRange {
			continue
		}
		b, err := strconv.ParseUint(hi, 10, 32)
		if err != nil {
			return fmt.Sprintf("%q is not a number or a range A-B", item)
		}
		if a > b {
			return fmt.Sprintf("the range %q runs backwards", item)
		}
	}
	return ""
}
