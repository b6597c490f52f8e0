package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"vsc/executor/build"
	"vsc/internal/testns"
	"vsc/ir"
)

var update = flag.Bool("update", false, "rewrite the expected output of testscript scripts (cmp's second file)")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"vsc": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI scripts of testdata/script, one per subcommand:
// `exec vsc …`, then cmp of stdout and stderr against the expected files of
// the script. `go test ./cmd/vsc -update` rewrites the expectations.
func TestScripts(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(e *testscript.Env) error {
			// Scripts reach the shipped examples as $EXAMPLES.
			e.Setenv("EXAMPLES", filepath.Join(root, "examples"))
			if os.Geteuid() == 0 {
				return sandbox(e)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// reseal FILE computes a plan file's digest anew, as one who
			// edits a plan by hand and knows the format could.
			"reseal": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: reseal FILE")
				}
				p, err := ir.Decode([]byte(ts.ReadFile(args[0])))
				ts.Check(err)
				ts.Check(p.Seal())
				f, err := os.Create(ts.MkAbs(args[0]))
				ts.Check(err)
				ts.Check(p.WriteJSON(f))
				ts.Check(f.Close())
			},
			// busybox-tar FILE writes the busybox guest template.
			"busybox-tar": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: busybox-tar FILE")
				}
				f, err := os.Create(ts.MkAbs(args[0]))
				ts.Check(err)
				ts.Check(build.BusyboxTemplate(f))
				ts.Check(f.Close())
			},
		},
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// sandbox gives a script run as root a network namespace of its own,
// $NETNS, with a veth pair eth0/eth1 up, removed when the script ends:
// vsc apply aims at it with --netns and never touches the machine's own
// links.
func sandbox(e *testscript.Env) error {
	ns, remove, err := testns.New("vsc-script")
	if err != nil {
		return err
	}
	e.Defer(func() {
		// A script that fails midway leaves its guests running: stop them
		// (by their state under $WORK/state), then remove the cgroups the
		// scripts put below one named after the namespace.
		guests, _ := filepath.Glob(filepath.Join(e.WorkDir, "state", "*", "guests", "*"))
		for _, g := range guests {
			host := filepath.Base(filepath.Dir(filepath.Dir(g)))
			run([]string{"stop", filepath.Base(g), "--host", host, "--state-dir", filepath.Join(e.WorkDir, "state"), "--force", "--timeout", "2s"}, io.Discard, io.Discard)
		}
		exec.Command("find", "/sys/fs/cgroup", "-depth", "-type", "d", "-path", "*/"+ns+"*", "-exec", "rmdir", "{}", "+").Run()
		remove()
	})
	e.Setenv("NETNS", ns)
	return nil
}
