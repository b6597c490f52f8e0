package compiler

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// Each folder under testdata/check is one configuration. A line ending in
// `# want "code"` (or several quoted codes) expects one diagnostic of each
// code starting on that line; any diagnostic not wanted, and any want not
// met, fails the test.
var wantRe = regexp.MustCompile(`#\s*want((?:\s+"[^"]+")+)\s*$`)
var quotedRe = regexp.MustCompile(`"([^"]+)"`)

type lineKey struct {
	file string
	line int
}

func readWants(t *testing.T, dir string) map[lineKey][]string {
	t.Helper()
	wants := map[lineKey][]string{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.vsc.hcl"))
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			m := wantRe.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			for _, q := range quotedRe.FindAllStringSubmatch(m[1], -1) {
				wants[lineKey{name, n}] = append(wants[lineKey{name, n}], q[1])
			}
		}
		f.Close()
	}
	return wants
}

// Diagnose loads and checks a configuration the way `vsc check` does.
func diagnose(dir string) (*lang.Config, hcl.Diagnostics) {
	cfg, diags := lang.Load(dir, lang.Options{})
	diags = append(diags, Run(cfg)...)
	lang.SortDiagnostics(diags)
	return cfg, diags
}

func TestChecks(t *testing.T) {
	dirs, err := filepath.Glob("testdata/check/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no check test folders: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			wants := readWants(t, dir)
			_, diags := diagnose(dir)
			for _, d := range diags {
				code := lang.Code(d)
				if d.Subject == nil {
					t.Errorf("unexpected diagnostic without range: [%s] %s: %s", code, d.Summary, d.Detail)
					continue
				}
				k := lineKey{d.Subject.Filename, d.Subject.Start.Line}
				if i := indexOf(wants[k], code); i >= 0 {
					wants[k] = append(wants[k][:i], wants[k][i+1:]...)
					continue
				}
				t.Errorf("%s:%d: unexpected %s[%s]: %s: %s", k.file, k.line, severity(d), code, d.Summary, d.Detail)
			}
			var missed []string
			for k, codes := range wants {
				for _, c := range codes {
					missed = append(missed, fmt.Sprintf("%s:%d: wanted %q, got none", k.file, k.line, c))
				}
			}
			sort.Strings(missed)
			for _, m := range missed {
				t.Error(m)
			}
		})
	}
}

// Every check with a Run has a test folder named after it that expects it
// at least once, and every check has a page with a title and prose.
func TestEveryCheckTested(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Checks {
		if seen[c.Name] {
			t.Errorf("check %q registered twice", c.Name)
		}
		seen[c.Name] = true
		if c.Title() == "" || !strings.Contains(c.Doc, "\n\n") {
			t.Errorf("check %q: Doc needs a title line, a blank line and prose", c.Name)
		}
		if strings.HasSuffix(c.Title(), ".") {
			t.Errorf("check %q: title ends with a period", c.Name)
		}
		if c.Name == "input" {
			continue // a path that cannot be read has no line to want it on: see lang's TestLoadInput
		}
		dir := filepath.Join("testdata/check", c.Name)
		wants := readWants(t, dir)
		found := false
		for _, codes := range wants {
			if indexOf(codes, c.Name) >= 0 {
				found = true
			}
		}
		if !found {
			t.Errorf("check %q: no `# want %q` in %s", c.Name, c.Name, dir)
		}
	}
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}

func severity(d *hcl.Diagnostic) string { return SeverityName(d.Severity) }
