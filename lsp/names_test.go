package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vsc/compiler"
	"vsc/lang"
)

// checkCodes checks a one-guest configuration whose guest body is body and
// returns, for each diagnostic, its code and the source text it points at.
func checkCodes(t *testing.T, body string) map[string][]string {
	t.Helper()
	dir := t.TempDir()
	src := "host \"h\" {\n  interface \"eth0\" {}\n}\nguest \"g\" {\n  context = 2\n" + body + "\n}\n"
	name := filepath.Join(dir, "g.vsc.hcl")
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(dir, lang.Options{})
	diags = append(diags, compiler.Run(cfg)...)
	out := map[string][]string{}
	for _, d := range diags {
		at := ""
		if d.Subject != nil {
			at = strings.Trim(src[d.Subject.Start.Byte:d.Subject.End.Byte], `"`)
		}
		out[lang.Code(d)] = append(out[lang.Code(d)], at)
	}
	return out
}

func quoted(names []string) string {
	return `["` + strings.Join(names, `", "`) + `"]`
}

// The completion lists are the compiler's: every flag passes flag-unknown,
// every capability is Linux's with the number of its position, and the
// dangerous ones are those capability-dangerous warns about.
func TestNamesMatchCompiler(t *testing.T) {
	got := checkCodes(t, "  flags = "+quoted(contextFlags)+"\n  capabilities {\n    add = "+quoted(capabilities)+"\n  }")
	if len(got["flag-unknown"]) > 0 || len(got["capability-unknown"]) > 0 {
		t.Errorf("names the compiler refuses: %v", got)
	}
	if got := checkCodes(t, `  flags = ["virt_mem", "no_such_flag"]`); len(got["flag-unknown"]) != 1 {
		t.Errorf("flag-unknown does not fire on an unknown flag: %v", got)
	}
	warned, marked := map[string]bool{}, map[string]bool{}
	for _, c := range got["capability-dangerous"] {
		warned[c] = true
	}
	for _, c := range capabilities {
		if dangerous(c) {
			marked[c] = true
		}
	}
	if fmt.Sprint(warned) != fmt.Sprint(marked) {
		t.Errorf("capability-dangerous warns about %v, the completion list marks %v", warned, marked)
	}
	for i, c := range capabilities {
		if canon, n, ok := compiler.Capability(c); !ok || canon != c || n != i {
			t.Errorf("capability %s: compiler says %s %d %v, want number %d", c, canon, n, ok, i)
		}
	}
}
