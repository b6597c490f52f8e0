package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
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
			return nil
		},
	})
}
