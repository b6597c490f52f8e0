package compiler

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// Check is one rule of the language, with its stable code.
type Check struct {
	// Name is the stable code users filter and search by.
	Name string
	// Severity of what Run reports.
	Severity hcl.DiagnosticSeverity
	// Doc is the check's page: a title line, a blank line, then prose that
	// says when it fires, why it matters and how to fix it, with an example.
	Doc string
	// Run reports the check's diagnostics; nil for codes that lang reports
	// while reading the configuration (syntax, schema, …).
	Run func(*Pass)
}

// Title is the first line of Doc.
func (c *Check) Title() string {
	t, _, _ := strings.Cut(c.Doc, "\n")
	return t
}

// Pass is what a check sees: the configuration, shared lookups, and a way
// to report.
type Pass struct {
	*Model
	check *Check
	diags *hcl.Diagnostics
}

// Report records a diagnostic of the running check at subject; related are
// the other sites of a conflict.
func (p *Pass) Report(subject hcl.Range, summary, detail string, related ...hcl.Range) {
	*p.diags = append(*p.diags, lang.Diag(p.check.Severity, p.check.Name, summary, detail, subject, related...))
}

// Run runs every check on a loaded configuration and returns what they
// report, sorted by position.
func Run(cfg *lang.Config) hcl.Diagnostics { return NewModel(cfg).Run() }

// Run runs every check on the model's configuration, as the function Run
// does, with the model's lookups.
func (m *Model) Run() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, c := range Checks {
		if c.Run == nil {
			continue
		}
		c.Run(&Pass{Model: m, check: c, diags: &diags})
	}
	return diags
}

// Lookup returns the check with the given code, nil if there is none.
func Lookup(code string) *Check {
	for _, c := range Checks {
		if c.Name == code {
			return c
		}
	}
	return nil
}

// SeverityName is "error" or "warning".
func SeverityName(s hcl.DiagnosticSeverity) string {
	if s == hcl.DiagWarning {
		return "warning"
	}
	return "error"
}

// Page is a check's documentation as `vsc explain` prints it and
// docs/checks/CODE.md holds it.
func Page(c *Check) string {
	title, body, _ := strings.Cut(c.Doc, "\n")
	return fmt.Sprintf("# %s: %s\n\nSeverity: %s\n%s", c.Name, title, SeverityName(c.Severity), body)
}
