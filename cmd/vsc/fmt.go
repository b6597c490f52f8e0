package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

func init() {
	register(&command{name: "fmt", synopsis: "rewrite configuration files in canonical format", run: runFmt})
}

func runFmt(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("fmt", "[--check] [PATH]", stderr)
	check := fs.Bool("check", false, "change nothing; list the files that would change and exit 3 if any")
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	path, code, ok := onePath(fs, pos, stderr)
	if !ok {
		return code
	}
	names, err := nativeFiles(path)
	if err != nil {
		fmt.Fprintf(stderr, "vsc: %v\n", err)
		return exitFailed
	}
	changed := 0
	var diags hcl.Diagnostics
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "vsc: %v\n", err)
			return exitFailed
		}
		out, d := lang.Format(name, src)
		if d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		if bytes.Equal(out, src) {
			continue
		}
		changed++
		fmt.Fprintln(stdout, name)
		if *check {
			continue
		}
		if err := writeFileKeepMode(name, out); err != nil {
			fmt.Fprintf(stderr, "vsc: %v\n", err)
			return exitFailed
		}
	}
	if diags.HasErrors() {
		writeDiagnostics(stderr, diags, nil) // snippets read from the files
		return exitFailed
	}
	if *check && changed > 0 {
		return exitChanged
	}
	return exitOK
}

// nativeFiles lists the native-syntax files fmt works on: PATH itself, or
// the *.vsc.hcl files of the folder PATH. JSON files are left as they are.
func nativeFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), lang.SuffixNative) {
			names = append(names, filepath.Join(path, e.Name()))
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("the folder %q holds no *%s file", path, lang.SuffixNative)
	}
	sort.Strings(names)
	return names, nil
}

// writeFileKeepMode replaces a file's content through a temporary file
// and a rename, so that an interrupted fmt never leaves half a file.
func writeFileKeepMode(name string, data []byte) error {
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(st.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
