package lang

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"vsc/stdlib"
)

// scope is what an expression may refer to: variables, locals, and inside a
// guest with for_each, each.key and each.value.
type scope struct {
	vars   map[string]cty.Value
	locals map[string]cty.Value
	// pending names locals declared but not evaluated yet; a reference to
	// one is resolved by the locals evaluator, not reported.
	pending map[string]bool
	each    *eachVal
	ctx     *hcl.EvalContext
}

type eachVal struct{ key, value cty.Value }

func newScope() *scope {
	return &scope{vars: map[string]cty.Value{}, locals: map[string]cty.Value{}, pending: map[string]bool{}}
}

// evalContext builds (once per scope) the hcl.EvalContext of the scope.
func (s *scope) evalContext() *hcl.EvalContext {
	if s.ctx != nil {
		return s.ctx
	}
	vars := map[string]cty.Value{
		"var":   cty.ObjectVal(s.vars),
		"local": cty.ObjectVal(s.locals),
	}
	if s.each != nil {
		vars["each"] = cty.ObjectVal(map[string]cty.Value{"key": s.each.key, "value": s.each.value})
	}
	s.ctx = &hcl.EvalContext{Variables: vars, Functions: stdlib.Functions()}
	return s.ctx
}

// withEach returns a child scope for one instance of a guest with for_each.
func (s *scope) withEach(key, value cty.Value) *scope {
	return &scope{vars: s.vars, locals: s.locals, pending: s.pending, each: &eachVal{key, value}}
}

// eval evaluates an expression after checking that everything it refers to
// exists, so that an undefined name is reported once, as a reference error
// with a suggestion, rather than as a type error of the object around it.
func (s *scope) eval(expr hcl.Expression) (cty.Value, hcl.Diagnostics) {
	if v, ok := constant(expr); ok {
		return v, nil
	}
	// A constant refers to nothing: checkRefs, which walks the expression
	// to find its references, would find none.
	if !literal(expr) {
		if diags := s.checkRefs(expr); diags.HasErrors() {
			return cty.DynamicVal, diags
		}
	}
	v, diags := expr.Value(s.evalContext())
	for _, d := range diags {
		if Code(d) != "" {
			continue
		}
		code := CodeExpression
		if d.Summary == "Call to unknown function" {
			code = CodeReference
			d.Detail = unknownFunction(d.Detail)
		}
		d.Extra = &Extra{Code: code}
	}
	if !diags.HasErrors() && !v.IsWhollyKnown() && !s.dependsOnFailure(expr) {
		diags = append(diags, Error(CodeExpression, "Value cannot be known",
			"This expression has no value that vsc can compute ahead of time. Use only constants, variables, locals and each.", expr.Range()))
	}
	return v, diags
}

// constant returns the value of the most common expressions, a literal
// and a plain quoted string, without evaluating them: the value HCL would
// compute is the literal's own (a template of one literal string part is
// that string, known and not null).
func constant(expr hcl.Expression) (cty.Value, bool) {
	switch e := expr.(type) {
	case *hclsyntax.LiteralValueExpr:
		return e.Val, true
	case *hclsyntax.TemplateExpr:
		if len(e.Parts) == 1 {
			if l, ok := e.Parts[0].(*hclsyntax.LiteralValueExpr); ok && l.Val.Type() == cty.String && l.Val.IsKnown() && !l.Val.IsNull() && !l.Val.IsMarked() {
				return l.Val, true
			}
		}
	}
	return cty.NilVal, false
}

// literal tells whether expr is a constant: a literal, or a string
// template of literals alone (a plain quoted string).
func literal(expr hcl.Expression) bool {
	switch e := expr.(type) {
	case *hclsyntax.LiteralValueExpr:
		return true
	case *hclsyntax.TemplateExpr:
		for _, p := range e.Parts {
			if _, ok := p.(*hclsyntax.LiteralValueExpr); !ok {
				return false
			}
		}
		return true
	}
	return false
}

// dependsOnFailure tells whether expr refers to a variable or local whose
// own evaluation failed (and was reported): its value is unknown, and so
// is every value computed from it, which is no new mistake to report.
func (s *scope) dependsOnFailure(expr hcl.Expression) bool {
	for _, t := range expr.Variables() {
		if len(t) < 2 {
			continue
		}
		step, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		var v cty.Value
		switch t.RootName() {
		case "var":
			v = s.vars[step.Name]
		case "local":
			v = s.locals[step.Name]
		default:
			continue
		}
		if v != cty.NilVal && !v.IsWhollyKnown() {
			return true
		}
	}
	return false
}

func (s *scope) checkRefs(expr hcl.Expression) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range expr.Variables() {
		root := t.RootName()
		switch root {
		case "var", "local":
			names := s.vars
			if root == "local" {
				names = s.locals
			}
			if len(t) < 2 {
				diags = append(diags, Error(CodeReference, fmt.Sprintf("Incomplete reference to %s", root),
					fmt.Sprintf("A reference to %s must name one, as in %s.NAME.", plural(root), root), t.SourceRange()))
				continue
			}
			attr, ok := t[1].(hcl.TraverseAttr)
			if !ok {
				diags = append(diags, Error(CodeReference, fmt.Sprintf("Invalid reference to %s", root),
					fmt.Sprintf("Name one of the %s with a dot, as in %s.NAME.", plural(root), root), t.SourceRange()))
				continue
			}
			if _, ok := names[attr.Name]; ok || (root == "local" && s.pending[attr.Name]) {
				continue
			}
			kind := "variable"
			decl := "a variable block"
			if root == "local" {
				kind, decl = "local value", "an entry in a locals block"
			}
			detail := fmt.Sprintf("There is no %s named %q. Declare it with %s, or fix the name.", kind, attr.Name, decl)
			if sug := Suggest(attr.Name, keys(names, s.pending, root == "local")); sug != "" {
				detail = fmt.Sprintf("There is no %s named %q. Did you mean %q?", kind, attr.Name, sug)
			}
			diags = append(diags, Error(CodeReference, "Undefined "+kind, detail, t.SourceRange()))
		case "each":
			if s.each == nil {
				diags = append(diags, Error(CodeReference, "each used outside for_each",
					"each.key and each.value exist only inside a guest block that has a for_each argument.", t.SourceRange()))
			}
		default:
			detail := fmt.Sprintf("There is no name %q in scope. References start with var., local. or each.", root)
			if sug := Suggest(root, []string{"var", "local", "each"}); sug != "" {
				detail += fmt.Sprintf(" Did you mean %q?", sug)
			}
			diags = append(diags, Error(CodeReference, "Unknown reference", detail, t.SourceRange()))
		}
	}
	return diags
}

func plural(root string) string {
	if root == "var" {
		return "variables"
	}
	return "local values"
}

func keys(m map[string]cty.Value, pending map[string]bool, withPending bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	if withPending {
		for k := range pending {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Suggest returns the candidate closest to name, "" when none is close
// enough to be a likely typo.
func Suggest(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		d := levenshtein.Distance(strings.ToLower(name), strings.ToLower(c), nil)
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// functionNames are the functions of stdlib, sorted: suggestions must not
// depend on map order (hcl picks its own from a map, so the same mistake
// could be answered two ways).
var functionNames = sync.OnceValue(func() []string {
	names := make([]string, 0, len(stdlib.Functions()))
	for n := range stdlib.Functions() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
})

// unknownFunction rewrites hcl's detail for a call to an unknown function
// with a suggestion of our own.
func unknownFunction(detail string) string {
	_, rest, ok := strings.Cut(detail, `"`)
	name, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 {
		return detail
	}
	out := fmt.Sprintf("There is no function named %q.", name)
	if sug := Suggest(name, functionNames()); sug != "" {
		out += fmt.Sprintf(" Did you mean %q?", sug)
	}
	return out + " The functions are listed in docs/functions.md."
}
