package lang

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"runtime"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"vsc/stdlib"
)

// decodeBlock decodes body into the struct v points to, following its
// schema. label is the block's label (nil for blocks without one).
func decodeBlock(s *scope, block *hcl.Block, v reflect.Value, bs *BlockSchema) hcl.Diagnostics {
	if bs.labelIndex >= 0 && len(block.Labels) > 0 {
		*fieldPtr[Val[string]](v, bs.labelIndex) = Val[string]{V: block.Labels[0], Range: block.LabelRanges[0], Set: true}
	}
	if bs.declIndex >= 0 {
		*fieldPtr[hcl.Range](v, bs.declIndex) = block.DefRange
	}
	return decodeBody(s, block.Body, block.Type, v, bs, true)
}

// decodeBody decodes a block's body. required is false only for the
// defaults block, whose attributes are all optional.
func decodeBody(s *scope, body hcl.Body, blockType string, v reflect.Value, bs *BlockSchema, required bool) hcl.Diagnostics {
	content, diags := contentOf(body, bs.hcl)
	withCode(diags, CodeSchema)
	for _, f := range bs.Fields {
		if f.IsBlock() {
			continue
		}
		attr, ok := content.attr(f.Name)
		if !ok {
			if f.Required && required {
				diags = append(diags, Error(CodeSchema, fmt.Sprintf("Missing required argument %q", f.Name),
					fmt.Sprintf("A %s block needs a %q argument. Add it.", blockType, f.Name), body.MissingItemRange()))
			}
			continue
		}
		diags = append(diags, decodeAttr(s, attr, v.Field(f.index), f)...)
	}
	many := decodeMany(s, content.blocks, bs)
	var seen map[string]*hcl.Block
	for i, b := range content.blocks {
		f := bs.byName[b.Type]
		switch f.kind {
		case kindBlock:
			if first, dup := seen[b.Type]; dup {
				diags = append(diags, Error(CodeSchema, fmt.Sprintf("Duplicate %s block", b.Type),
					fmt.Sprintf("A %s block may hold only one %s block; this one repeats the first. Merge them.", blockType, b.Type),
					b.DefRange, first.DefRange))
				continue
			}
			if seen == nil {
				seen = map[string]*hcl.Block{}
			}
			seen[b.Type] = b
			p := reflect.New(f.Block.typ)
			diags = append(diags, decodeBlock(s, b, p.Elem(), f.Block)...)
			v.Field(f.index).Set(p)
		case kindBlocks:
			var p reflect.Value
			if many != nil {
				p = many[i].v
				diags = append(diags, many[i].diags...)
			} else {
				p = reflect.New(f.Block.typ)
				diags = append(diags, decodeBlock(s, b, p.Elem(), f.Block)...)
			}
			fv := v.Field(f.index)
			fv.Set(reflect.Append(fv, p))
		}
	}
	return diags
}

// decodedBlock is a block decoded ahead, and what decoding it reported.
type decodedBlock struct {
	v     reflect.Value
	diags hcl.Diagnostics
}

// parallelBlocks is how many repeated blocks a body must hold for
// decodeMany to spread them over the cores: fewer cost less than the
// goroutines.
var parallelBlocks = 64

// decodeMany decodes, on every core, the repeatable blocks of a body
// that holds many (a host's routes, rules, interfaces), each into its own
// value; decodeBody then takes each block's value and diagnostics in
// order, as if it had decoded them itself. It returns nil for a body of
// few blocks. Decoding only reads the scope (its evaluation context is
// built here, before the goroutines start), so blocks decode apart.
func decodeMany(s *scope, blocks hcl.Blocks, bs *BlockSchema) []decodedBlock {
	if len(blocks) < parallelBlocks || runtime.GOMAXPROCS(0) < 2 {
		return nil
	}
	s.evalContext()
	out := make([]decodedBlock, len(blocks))
	parallel(len(blocks), func(i int) {
		f := bs.byName[blocks[i].Type]
		if f.kind != kindBlocks {
			return
		}
		p := reflect.New(f.Block.typ)
		out[i] = decodedBlock{p, decodeBlock(s, blocks[i], p.Elem(), f.Block)}
	})
	return out
}

func decodeAttr(s *scope, expr hcl.Expression, dst reflect.Value, f *Field) hcl.Diagnostics {
	val, diags := s.eval(expr)
	if diags.HasErrors() || !val.IsWhollyKnown() || val.IsNull() {
		return diags
	}
	rng := expr.Range()
	var d hcl.Diagnostics
	// Each value is stored when it has no error: through a pointer to the
	// field, which costs no allocation as reflect.Value.Set would.
	switch f.kind {
	case kindString:
		var str string
		str, d = toString(val, f.Name, rng)
		if !d.HasErrors() && f.Enum != nil {
			d = checkEnum(str, f, rng)
		}
		if !d.HasErrors() && f.NonEmpty {
			d = checkNonEmpty(str, f, rng)
		}
		if !d.HasErrors() {
			*fieldPtr[Val[string]](dst, -1) = Val[string]{V: str, Range: rng, Set: true}
		}
	case kindInt:
		var n int64
		n, d = toInt(val, f.Name, rng)
		if !d.HasErrors() {
			*fieldPtr[Val[int64]](dst, -1) = Val[int64]{V: n, Range: rng, Set: true}
		}
	case kindBool:
		var b cty.Value
		b, err := convert.Convert(val, cty.Bool)
		if err != nil || b.IsNull() {
			d = typeError(f.Name, "true or false", val, rng)
		} else {
			*fieldPtr[Val[bool]](dst, -1) = Val[bool]{V: b.True(), Range: rng, Set: true}
		}
	case kindSize:
		var n int64
		n, d = toSize(val, f, rng)
		if !d.HasErrors() {
			*fieldPtr[Val[Size]](dst, -1) = Val[Size]{V: Size(n), Range: rng, Set: true}
		}
	case kindStrings:
		var list []Val[string]
		list, d = toStrings(expr, val, f.Name, rng)
		if f.NonEmpty {
			for _, e := range list {
				d = append(d, checkNonEmpty(e.V, f, e.Range)...)
			}
		}
		if !d.HasErrors() {
			*fieldPtr[Strings](dst, -1) = Strings{V: list, Range: rng, Set: true}
		}
	case kindLimit:
		var l Limit
		l, d = toLimit(expr, val, f, rng)
		if !d.HasErrors() {
			*fieldPtr[Val[Limit]](dst, -1) = Val[Limit]{V: l, Range: rng, Set: true}
		}
	}
	return append(diags, d...)
}

// fieldPtr returns a pointer to field i of the struct v (addressable), or
// to v itself for i < 0.
func fieldPtr[T any](v reflect.Value, i int) *T {
	if i >= 0 {
		v = v.Field(i)
	}
	return v.Addr().Interface().(*T)
}

func typeError(name, want string, got cty.Value, rng hcl.Range) hcl.Diagnostics {
	return hcl.Diagnostics{Error(CodeSchema, "Incorrect attribute value type",
		fmt.Sprintf("%q must be %s, not %s.", name, want, got.Type().FriendlyName()), rng)}
}

func toString(val cty.Value, name string, rng hcl.Range) (string, hcl.Diagnostics) {
	sv, err := convert.Convert(val, cty.String)
	if err != nil || sv.IsNull() {
		return "", typeError(name, "a string", val, rng)
	}
	return sv.AsString(), nil
}

// maxExact is the largest integer a float64 holds exactly; vsc refuses
// integers beyond it rather than round them silently.
const maxExact = 1 << 53

func toInt(val cty.Value, name string, rng hcl.Range) (int64, hcl.Diagnostics) {
	nv, err := convert.Convert(val, cty.Number)
	if err != nil || nv.IsNull() {
		return 0, typeError(name, "a whole number", val, rng)
	}
	return bigToInt(nv.AsBigFloat(), name, rng)
}

func bigToInt(bf *big.Float, name string, rng hcl.Range) (int64, hcl.Diagnostics) {
	if !bf.IsInt() {
		return 0, hcl.Diagnostics{Error(CodeSchema, "Whole number required",
			fmt.Sprintf("%q must be a whole number, not %s.", name, bf.Text('g', 10)), rng)}
	}
	n, acc := bf.Int64()
	if acc != big.Exact || n > maxExact || n < -maxExact {
		return 0, hcl.Diagnostics{Error("value-range", "Number out of range",
			fmt.Sprintf("%q is %s, far beyond any value it can take. Use a number between -2^53 and 2^53.", name, bf.Text('g', 10)), rng)}
	}
	return n, nil
}

func toSize(val cty.Value, f *Field, rng hcl.Range) (int64, hcl.Diagnostics) {
	if val.Type() == cty.String {
		if text := strings.TrimSpace(val.AsString()); text != "" {
			if _, err := strconv.ParseFloat(text, 64); err == nil {
				// A string without a unit means what a number means for
				// this attribute ("204800" is 204800 KiB for space_total,
				// as 204800 is), not bytes.
				if num, err := convert.Convert(cty.StringVal(text), cty.Number); err == nil {
					return toSize(num, f, rng)
				}
			}
		}
		n, err := stdlib.ParseSize(val.AsString())
		if err != nil {
			return 0, hcl.Diagnostics{Error(CodeSchema, "Invalid size", fmt.Sprintf("%q: %s.", f.Name, strings.TrimSuffix(err.Error(), ".")), rng)}
		}
		if n > math.MaxInt64 {
			return 0, hcl.Diagnostics{Error("value-range", "Size out of range", fmt.Sprintf("%q is larger than any disk or memory. Give a smaller size.", f.Name), rng)}
		}
		return int64(n), nil
	}
	nv, err := convert.Convert(val, cty.Number)
	if err != nil || nv.IsNull() {
		unit := "bytes"
		if f.Unit == 1024 {
			unit = "KiB"
		}
		return 0, typeError(f.Name, "a size: a number of "+unit+" or a string such as \"200MiB\"", val, rng)
	}
	bf := new(big.Float).Mul(nv.AsBigFloat(), big.NewFloat(float64(f.Unit)))
	return bigToInt(bf, f.Name, rng)
}

func toStrings(expr hcl.Expression, val cty.Value, name string, rng hcl.Range) ([]Val[string], hcl.Diagnostics) {
	ty := val.Type()
	if !ty.IsListType() && !ty.IsTupleType() && !ty.IsSetType() {
		return nil, typeError(name, "a list of strings", val, rng)
	}
	// Point each element at its own expression when the list is written
	// out literally, so a check can underline the one bad element.
	var items []hclsyntax.Expression
	if tup, ok := expr.(*hclsyntax.TupleConsExpr); ok && !ty.IsSetType() {
		items = tup.Exprs
	}
	var out []Val[string]
	var diags hcl.Diagnostics
	i := 0
	for it := val.ElementIterator(); it.Next(); i++ {
		_, ev := it.Element()
		er := rng
		if i < len(items) {
			er = items[i].Range()
		}
		if ev.IsNull() {
			diags = append(diags, Error(CodeSchema, "Null in list", fmt.Sprintf("Element %d of %q is null. Remove it.", i, name), er))
			continue
		}
		s, d := toString(ev, fmt.Sprintf("%s[%d]", name, i), er)
		diags = append(diags, d...)
		out = append(out, Val[string]{V: s, Range: er, Set: true})
	}
	return out, diags
}

// toLimit reads an rlimit: a number, "unlimited", a size string (for size
// limits), or an object { soft, hard }.
func toLimit(expr hcl.Expression, val cty.Value, f *Field, rng hcl.Range) (Limit, hcl.Diagnostics) {
	ty := val.Type()
	if ty.IsObjectType() || ty.IsMapType() {
		l := Limit{object: new([2]hcl.Range)}
		var diags hcl.Diagnostics
		ranges := objectItemRanges(expr)
		m := val.AsValueMap()
		for k := range m {
			if k != "soft" && k != "hard" {
				diags = append(diags, Error(CodeSchema, "Unsupported limit key",
					fmt.Sprintf("A limit object has only \"soft\" and \"hard\"; %q is not one of them.", k), rangeOr(ranges, k, rng)))
			}
		}
		for _, k := range []string{"soft", "hard"} {
			kv, ok := m[k]
			if !ok || kv.IsNull() {
				diags = append(diags, Error(CodeSchema, fmt.Sprintf("Missing %q in limit", k),
					fmt.Sprintf("%q as an object needs both \"soft\" and \"hard\", as in { soft = 1024, hard = 4096 }.", f.Name), rng))
				continue
			}
			r := rangeOr(ranges, k, rng)
			n, d := limitScalar(kv, f, r)
			diags = append(diags, d...)
			if k == "soft" {
				l.Soft, l.object[0] = n, r
			} else {
				l.Hard, l.object[1] = n, r
			}
		}
		return l, diags
	}
	n, diags := limitScalar(val, f, rng)
	return Limit{Soft: n, Hard: n}, diags
}

func limitScalar(val cty.Value, f *Field, rng hcl.Range) (uint64, hcl.Diagnostics) {
	if val.Type() == cty.String && strings.EqualFold(val.AsString(), "unlimited") {
		return Unlimited, nil
	}
	var n int64
	var diags hcl.Diagnostics
	if val.Type() == cty.String && f.Size {
		n, diags = toSize(val, f, rng)
	} else {
		n, diags = toInt(val, f.Name, rng)
	}
	if diags.HasErrors() {
		return 0, diags
	}
	if n < 0 {
		return 0, hcl.Diagnostics{Error("value-range", "Negative limit",
			fmt.Sprintf("%q is %d; a limit is 0 or more, or \"unlimited\".", f.Name, n), rng)}
	}
	return uint64(n), nil
}

func objectItemRanges(expr hcl.Expression) map[string]hcl.Range {
	obj, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil
	}
	out := map[string]hcl.Range{}
	for _, it := range obj.Items {
		if k, diags := it.KeyExpr.Value(nil); !diags.HasErrors() && k.Type() == cty.String {
			out[k.AsString()] = it.ValueExpr.Range()
		}
	}
	return out
}

func rangeOr(m map[string]hcl.Range, k string, def hcl.Range) hcl.Range {
	if r, ok := m[k]; ok {
		return r
	}
	return def
}

func checkNonEmpty(v string, f *Field, rng hcl.Range) hcl.Diagnostics {
	if strings.TrimSpace(v) != "" {
		return nil
	}
	return hcl.Diagnostics{Error(CodeSchema, "Empty value",
		fmt.Sprintf("%q takes no empty string: give a value, or leave the element out.", f.Name), rng)}
}

func checkEnum(v string, f *Field, rng hcl.Range) hcl.Diagnostics {
	for _, e := range f.Enum {
		if v == e {
			return nil
		}
	}
	detail := fmt.Sprintf("%q is not a valid %s; use one of %s.", v, f.Name, strings.Join(quoteAll(f.Enum), ", "))
	if s := Suggest(v, f.Enum); s != "" {
		detail = fmt.Sprintf("%q is not a valid %s. Did you mean %q? The values are %s.", v, f.Name, s, strings.Join(quoteAll(f.Enum), ", "))
	}
	return hcl.Diagnostics{Error(CodeSchema, "Unsupported value", detail, rng)}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// content is what decodeBody reads of a body: its attributes by name,
// its blocks in order.
type content struct {
	// native is the body when it holds only what the schema takes: its
	// attributes are read from it directly (less hidden), and its blocks
	// made hcl.Blocks all at once. Content would copy the body into maps
	// several times to find what it would report, for every block of a
	// large configuration.
	native *hclsyntax.Body
	hidden string
	// attrs are the attributes of another body, as Content gives them.
	attrs  hcl.Attributes
	blocks hcl.Blocks
}

// attr returns the expression of the attribute name.
func (c *content) attr(name string) (hcl.Expression, bool) {
	if c.native != nil {
		if a, ok := c.native.Attributes[name]; ok && name != c.hidden {
			return a.Expr, true
		}
		return nil, false
	}
	if a, ok := c.attrs[name]; ok {
		return a.Expr, true
	}
	return nil, false
}

// contentOf is body.Content(schema), read directly from a native body
// that holds only what the schema takes (about which Content reports
// nothing).
func contentOf(body hcl.Body, schema *hcl.BodySchema) (*content, hcl.Diagnostics) {
	switch b := body.(type) {
	case *hclsyntax.Body:
		if c := plainContent(b, schema, ""); c != nil {
			return c, nil
		}
	case hiding:
		if c := plainContent(b.Body, schema, b.name); c != nil {
			return c, nil
		}
	}
	c, diags := body.Content(schema)
	return &content{attrs: c.Attributes, blocks: c.Blocks}, diags
}

// plainContent returns what b.Content(schema) returns, b's attribute
// hidden left out, when Content reports no problem; nil otherwise.
func plainContent(b *hclsyntax.Body, schema *hcl.BodySchema, hidden string) *content {
	known := 0
	for _, a := range schema.Attributes {
		if _, ok := b.Attributes[a.Name]; ok && a.Name != hidden {
			known++
		} else if a.Required {
			return nil
		}
	}
	if _, ok := b.Attributes[hidden]; ok && hidden != "" && !schemaHas(schema, hidden) {
		known++
	}
	if known != len(b.Attributes) {
		return nil // an attribute Content reports
	}
	for _, blk := range b.Blocks {
		ok := false
		for _, bs := range schema.Blocks {
			if bs.Type == blk.Type {
				ok = len(blk.Labels) == len(bs.LabelNames)
				break
			}
		}
		if !ok {
			return nil // a block Content reports
		}
	}
	c := &content{native: b, hidden: hidden}
	if len(b.Blocks) > 0 {
		// What Block.AsHCLBlock gives, in one allocation for all.
		blocks := make([]hcl.Block, len(b.Blocks))
		c.blocks = make(hcl.Blocks, len(b.Blocks))
		for i, blk := range b.Blocks {
			blocks[i] = hcl.Block{Type: blk.Type, Labels: blk.Labels, Body: blk.Body, DefRange: blk.DefRange(),
				TypeRange: blk.TypeRange, LabelRanges: blk.LabelRanges}
			c.blocks[i] = &blocks[i]
		}
	}
	return c
}

func schemaHas(schema *hcl.BodySchema, name string) bool {
	for _, a := range schema.Attributes {
		if a.Name == name {
			return true
		}
	}
	return false
}

// hiding is a native body read as if its attribute name were not in it:
// what PartialContent leaves of it with a schema of that attribute alone,
// without the copy.
type hiding struct {
	*hclsyntax.Body
	name string
}

func (h hiding) remain() hcl.Body {
	_, remain, _ := h.Body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: h.name}}})
	return remain
}

func (h hiding) Content(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Diagnostics) {
	return h.remain().Content(schema)
}

func (h hiding) PartialContent(schema *hcl.BodySchema) (*hcl.BodyContent, hcl.Body, hcl.Diagnostics) {
	return h.remain().PartialContent(schema)
}

func (h hiding) JustAttributes() (hcl.Attributes, hcl.Diagnostics) {
	return h.remain().JustAttributes()
}
