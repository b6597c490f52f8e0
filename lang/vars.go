package lang

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "default"}, {Name: "description"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "condition", Required: true}, {Name: "error_message", Required: true},
}}

// A value given to a variable, and where it came from (zero range for the
// command line).
type varInput struct {
	val cty.Value
	rng hcl.Range
}

type varDecl struct {
	v           *Variable
	validations []*hcl.Block
	defRange    hcl.Range
}

func (cfg *Config) loadVariables(s *scope, blocks hcl.Blocks, opts Options) hcl.Diagnostics {
	var diags hcl.Diagnostics
	decls := map[string]*varDecl{}
	var order []*varDecl
	empty := newScope()
	for _, b := range blocks {
		name := b.Labels[0]
		if first, dup := decls[name]; dup {
			diags = append(diags, Error(CodeSchema, "Duplicate variable",
				fmt.Sprintf("A variable named %q is already declared. Remove one of them.", name), b.LabelRanges[0], first.v.DeclRange))
			continue
		}
		if !hclsyntax.ValidIdentifier(name) {
			diags = append(diags, Error(CodeSchema, "Invalid variable name",
				fmt.Sprintf("%q is not a valid name: use letters, digits, underscores and dashes, starting with a letter.", name), b.LabelRanges[0]))
			continue
		}
		content, d := b.Body.Content(variableSchema)
		diags = append(diags, withCode(d, CodeSchema)...)
		v := &Variable{Name: name, Type: cty.DynamicPseudoType, Value: cty.NullVal(cty.DynamicPseudoType), DeclRange: b.LabelRanges[0]}
		decl := &varDecl{v: v}
		if a := content.Attributes["type"]; a != nil {
			ty, d := typeexpr.TypeConstraint(a.Expr)
			diags = append(diags, withCode(d, CodeSchema)...)
			if !d.HasErrors() {
				v.Type = ty
			}
		}
		if a := content.Attributes["description"]; a != nil {
			if dv, d := empty.eval(a.Expr); !d.HasErrors() && dv.Type() == cty.String && !dv.IsNull() {
				v.Description = dv.AsString()
			} else {
				diags = append(diags, d...)
			}
		}
		if a := content.Attributes["default"]; a != nil {
			dv, d := empty.eval(a.Expr)
			diags = append(diags, d...)
			if !d.HasErrors() {
				v.Value, d = convertVar(v, dv, a.Expr.Range())
				diags = append(diags, d...)
				decl.defRange = a.Expr.Range()
			} else {
				v.Value = cty.DynamicVal
			}
		} else {
			v.Value = cty.NilVal // required
		}
		for _, vb := range content.Blocks {
			decl.validations = append(decl.validations, vb)
		}
		decls[name] = decl
		order = append(order, decl)
		cfg.Variables = append(cfg.Variables, v)
	}

	inputs, d := cfg.readVarInputs(decls, opts)
	diags = append(diags, d...)
	for _, decl := range order {
		v := decl.v
		rng := decl.defRange
		if in, ok := inputs[v.Name]; ok {
			v.Value, d = convertVar(v, in.val, in.rng)
			diags = append(diags, d...)
			rng = in.rng
		}
		if v.Value == cty.NilVal {
			diags = append(diags, Error(CodeVariable, "No value for required variable",
				fmt.Sprintf("Variable %q has no default, so it must be set: --var %s=VALUE or a --var-file.", v.Name, v.Name), v.DeclRange))
			v.Value = cty.DynamicVal
		}
		if v.Value.IsWhollyKnown() {
			diags = append(diags, validate(v, decl.validations, rng)...)
		}
		s.vars[v.Name] = v.Value
	}
	return diags
}

func convertVar(v *Variable, val cty.Value, rng hcl.Range) (cty.Value, hcl.Diagnostics) {
	out, err := convert.Convert(val, v.Type)
	if err != nil {
		return cty.DynamicVal, hcl.Diagnostics{Error(CodeVariable, "Invalid value for variable",
			fmt.Sprintf("Variable %q must be %s: %s.", v.Name, v.Type.FriendlyNameForConstraint(), err), rng)}
	}
	return out, nil
}

// validate runs a variable's validation blocks. The condition may refer to
// the variable alone.
func validate(v *Variable, blocks []*hcl.Block, valueRange hcl.Range) hcl.Diagnostics {
	var diags hcl.Diagnostics
	only := newScope()
	only.vars[v.Name] = v.Value
	for _, b := range blocks {
		content, d := b.Body.Content(validationSchema)
		diags = append(diags, withCode(d, CodeSchema)...)
		cond, msg := content.Attributes["condition"], content.Attributes["error_message"]
		if cond == nil || msg == nil {
			continue
		}
		cv, d := only.eval(cond.Expr)
		diags = append(diags, d...)
		mv, d2 := only.eval(msg.Expr)
		diags = append(diags, d2...)
		if d.HasErrors() || d2.HasErrors() {
			continue
		}
		cb, err := convert.Convert(cv, cty.Bool)
		if err != nil || cb.IsNull() {
			diags = append(diags, Error(CodeSchema, "Invalid validation condition",
				"The condition must be true or false.", cond.Expr.Range()))
			continue
		}
		if cb.False() {
			text := fmt.Sprintf("Variable %q is invalid.", v.Name)
			if ms, err := convert.Convert(mv, cty.String); err == nil && !ms.IsNull() {
				text = ms.AsString()
			}
			subject := valueRange
			if subject.Filename == "" {
				subject = cond.Expr.Range()
			}
			diags = append(diags, Error(CodeVariable, "Invalid value for variable",
				text+fmt.Sprintf(" (validation of variable %q)", v.Name), subject, cond.Expr.Range()))
		}
	}
	return diags
}

// readVarInputs reads --var-file files then --var arguments.
func (cfg *Config) readVarInputs(decls map[string]*varDecl, opts Options) (map[string]varInput, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := map[string]varInput{}
	empty := newScope()
	undeclared := func(name string, rng hcl.Range) {
		names := make([]string, 0, len(decls))
		for n := range decls {
			names = append(names, n)
		}
		detail := fmt.Sprintf("No variable named %q is declared. Declare it with a variable block, or fix the name.", name)
		if sug := Suggest(name, names); sug != "" {
			detail = fmt.Sprintf("No variable named %q is declared. Did you mean %q?", name, sug)
		}
		diags = append(diags, Error(CodeVariable, "Value for undeclared variable", detail, rng))
	}
	for _, path := range opts.VarFiles {
		f, d := parseFile(path, opts.Overlay)
		diags = append(diags, d...)
		if f == nil {
			continue
		}
		cfg.Files[path] = f
		attrs, d := f.Body.JustAttributes()
		diags = append(diags, withCode(d, CodeSchema)...)
		for name, a := range attrs {
			if decls[name] == nil {
				undeclared(name, a.NameRange)
				continue
			}
			v, d := empty.eval(a.Expr)
			diags = append(diags, d...)
			if !d.HasErrors() {
				out[name] = varInput{v, a.Expr.Range()}
			}
		}
	}
	for _, arg := range opts.Vars {
		name, raw, ok := strings.Cut(arg, "=")
		if !ok || name == "" {
			diags = append(diags, Error(CodeVariable, "Invalid --var",
				fmt.Sprintf("--var %q is not NAME=VALUE. Write it as --var name=value.", arg), hcl.Range{}))
			continue
		}
		decl := decls[name]
		if decl == nil {
			undeclared(name, hcl.Range{})
			continue
		}
		// As in Terraform: a string-typed variable takes the text as it is;
		// any other type reads it as an HCL expression ("[1, 2]", "true").
		if decl.v.Type == cty.String || decl.v.Type == cty.DynamicPseudoType {
			out[name] = varInput{cty.StringVal(raw), hcl.Range{}}
			continue
		}
		expr, d := hclsyntax.ParseExpression([]byte(raw), "--var "+name, hcl.InitialPos)
		if d.HasErrors() {
			diags = append(diags, Error(CodeVariable, "Invalid --var value",
				fmt.Sprintf("The value of --var %s does not parse as %s: %s.", name, decl.v.Type.FriendlyNameForConstraint(), d[0].Summary), hcl.Range{}))
			continue
		}
		var v cty.Value
		if len(expr.Variables()) > 0 {
			// A bare word such as abc: no reference can be meant on the
			// command line, so take it as text and let conversion say
			// what type was expected.
			v, d = convertVar(decl.v, cty.StringVal(raw), hcl.Range{})
			if d.HasErrors() {
				diags = append(diags, d...)
				continue
			}
		} else {
			v, d = empty.eval(expr)
		}
		for _, x := range d {
			x.Subject = nil // the command line has no file to point into
		}
		diags = append(diags, d...)
		if !d.HasErrors() {
			out[name] = varInput{v, hcl.Range{}}
		}
	}
	return out, diags
}

// loadLocals evaluates every local value in dependency order, reporting
// cycles.
func (cfg *Config) loadLocals(s *scope, blocks hcl.Blocks) hcl.Diagnostics {
	var diags hcl.Diagnostics
	defs := map[string]*hcl.Attribute{}
	var order []string
	for _, b := range blocks {
		attrs, d := b.Body.JustAttributes()
		diags = append(diags, withCode(d, CodeSchema)...)
		for _, a := range sortedAttrs(attrs) {
			if first, dup := defs[a.Name]; dup {
				diags = append(diags, Error(CodeSchema, "Duplicate local value",
					fmt.Sprintf("A local value named %q is already defined. Remove one of them.", a.Name), a.NameRange, first.NameRange))
				continue
			}
			defs[a.Name] = a
			order = append(order, a.Name)
			s.pending[a.Name] = true
		}
	}
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var visit func(name string, from hcl.Range)
	visit = func(name string, from hcl.Range) {
		a := defs[name]
		switch state[name] {
		case done:
			return
		case visiting:
			diags = append(diags, Error(CodeReference, "Cycle in local values",
				fmt.Sprintf("local.%s refers back to itself through other local values. Break the cycle.", name), from, a.NameRange))
			s.locals[name] = cty.DynamicVal
			return
		}
		state[name] = visiting
		for _, t := range a.Expr.Variables() {
			if t.RootName() != "local" || len(t) < 2 {
				continue
			}
			if step, ok := t[1].(hcl.TraverseAttr); ok && defs[step.Name] != nil {
				visit(step.Name, t.SourceRange())
			}
		}
		if state[name] == visiting {
			s.ctx = nil // locals changed: rebuild the evaluation context
			v, d := s.eval(a.Expr)
			diags = append(diags, d...)
			if d.HasErrors() {
				v = cty.DynamicVal
			}
			s.locals[name] = v
			delete(s.pending, name)
			cfg.Locals = append(cfg.Locals, &Local{Name: name, Value: v, Expr: a.Expr, DeclRange: a.NameRange})
		}
		state[name] = done
	}
	for _, name := range order {
		visit(name, defs[name].NameRange)
	}
	s.ctx = nil
	return diags
}

func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	// Source order, so that messages come out in the order of the file.
	sort.Slice(out, func(i, j int) bool { return out[i].NameRange.Start.Byte < out[j].NameRange.Start.Byte })
	return out
}
