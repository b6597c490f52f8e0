package lang

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// Codes of the diagnostics lang reports itself. The compiler's checks own
// the other codes; every code is documented by a check in package compiler.
const (
	CodeInput      = "input"      // the configuration cannot be read at all
	CodeSyntax     = "syntax"     // HCL does not parse
	CodeSchema     = "schema"     // unknown, missing or mistyped blocks and attributes
	CodeReference  = "reference"  // an undefined variable, local or function
	CodeExpression = "expression" // an expression that cannot be evaluated
	CodeVariable   = "variable-invalid"
)

// Extra is attached to every diagnostic vsc reports (hcl.Diagnostic.Extra):
// the stable code users filter and search by, and for conflicts the ranges
// of the other sites.
type Extra struct {
	Code    string
	Related []hcl.Range
}

// Code returns the stable code of a diagnostic, "" when it has none.
func Code(d *hcl.Diagnostic) string {
	if e, ok := d.Extra.(*Extra); ok {
		return e.Code
	}
	return ""
}

// Related returns the other sites of a conflict diagnostic.
func Related(d *hcl.Diagnostic) []hcl.Range {
	if e, ok := d.Extra.(*Extra); ok {
		return e.Related
	}
	return nil
}

// Diag builds a diagnostic with a code. subject is the value at fault;
// related are the other sites of a conflict.
func Diag(sev hcl.DiagnosticSeverity, code, summary, detail string, subject hcl.Range, related ...hcl.Range) *hcl.Diagnostic {
	d := &hcl.Diagnostic{
		Severity: sev,
		Summary:  summary,
		Detail:   detail,
		Extra:    &Extra{Code: code, Related: related},
	}
	if subject.Filename != "" {
		s := subject
		d.Subject = &s
	}
	return d
}

// Errorf is Diag for errors.
func Error(code, summary, detail string, subject hcl.Range, related ...hcl.Range) *hcl.Diagnostic {
	return Diag(hcl.DiagError, code, summary, detail, subject, related...)
}

// Warning is Diag for warnings.
func Warning(code, summary, detail string, subject hcl.Range, related ...hcl.Range) *hcl.Diagnostic {
	return Diag(hcl.DiagWarning, code, summary, detail, subject, related...)
}

// withCode gives every diagnostic that has no code yet the given one, so
// that what hcl itself reports (parse errors, schema errors) is coded by the
// phase that produced it.
func withCode(diags hcl.Diagnostics, code string) hcl.Diagnostics {
	for _, d := range diags {
		if Code(d) == "" {
			d.Extra = &Extra{Code: code}
		}
	}
	return diags
}

// SortDiagnostics orders diagnostics by file, then position, then code, so
// that output is stable whatever order checks ran in. Diagnostics without a
// range come first.
func SortDiagnostics(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil && b == nil:
			return diags[i].Summary < diags[j].Summary
		case a == nil:
			return true
		case b == nil:
			return false
		}
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Start.Byte != b.Start.Byte {
			return a.Start.Byte < b.Start.Byte
		}
		return Code(diags[i]) < Code(diags[j])
	})
}
