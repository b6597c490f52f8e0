package stdlib

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// eval evaluates one HCL expression with Functions(), the way package lang
// does, so the tests prove the names are wired, not only the Go values.
func eval(t *testing.T, src string) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse %s: %s", src, diags.Error())
	}
	return expr.Value(&hcl.EvalContext{Functions: Functions()})
}

// goodCalls has at least one successful call of every function; the test
// below checks that no function in Functions() is left without one.
var goodCalls = []struct {
	src  string
	want cty.Value
}{
	// Numeric.
	{`abs(-3.5)`, cty.NumberFloatVal(3.5)},
	{`ceil(1.2)`, cty.NumberIntVal(2)},
	{`floor(1.8)`, cty.NumberIntVal(1)},
	{`log(8, 2)`, cty.NumberIntVal(3)},
	{`max(3, 9, 4)`, cty.NumberIntVal(9)},
	{`min(3, 9, 4)`, cty.NumberIntVal(3)},
	{`parseint("ff", 16)`, cty.NumberIntVal(255)},
	{`pow(2, 10)`, cty.NumberIntVal(1024)},
	{`signum(-7)`, cty.NumberIntVal(-1)},

	// String.
	{`chomp("web\n")`, cty.StringVal("web")},
	{`endswith("web1.example", ".example")`, cty.True},
	{`format("guest-%03d", 7)`, cty.StringVal("guest-007")},
	{`formatlist("%s.lan", ["a", "b"])`, cty.ListVal([]cty.Value{cty.StringVal("a.lan"), cty.StringVal("b.lan")})},
	{`indent(2, "a\nb")`, cty.StringVal("a\n  b")},
	{`join(",", ["a", "b"])`, cty.StringVal("a,b")},
	{`lower("WEB")`, cty.StringVal("web")},
	{`regex("[0-9]+", "eth0.7")`, cty.StringVal("0")},
	{`regexall("[0-9]+", "eth0.7")`, cty.ListVal([]cty.Value{cty.StringVal("0"), cty.StringVal("7")})},
	{`replace("a-b-c", "-", "_")`, cty.StringVal("a_b_c")},
	{`replace("eth0.7", "/[0-9]+/", "N")`, cty.StringVal("ethN.N")},
	{`replace("a/b", "/", "_")`, cty.StringVal("a_b")},
	{`split(",", "a,b")`, cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
	{`startswith("eth0.7", "eth0")`, cty.True},
	{`strcontains("eth0.7", ".")`, cty.True},
	{`strrev("abc")`, cty.StringVal("cba")},
	{`substr("vserver", 1, 3)`, cty.StringVal("ser")},
	{`title("web server")`, cty.StringVal("Web Server")},
	{`trim("--a--", "-")`, cty.StringVal("a")},
	{`trimprefix("eth0.7", "eth0.")`, cty.StringVal("7")},
	{`trimspace("  a \n")`, cty.StringVal("a")},
	{`trimsuffix("web.lan", ".lan")`, cty.StringVal("web")},
	{`upper("web")`, cty.StringVal("WEB")},

	// Collection.
	{`alltrue([true, true])`, cty.True},
	{`alltrue([])`, cty.True},
	{`anytrue([false, true])`, cty.True},
	{`anytrue([])`, cty.False},
	{`chunklist([1, 2, 3], 2)`, cty.ListVal([]cty.Value{
		cty.ListVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2)}),
		cty.ListVal([]cty.Value{cty.NumberIntVal(3)}),
	})},
	{`coalesce(null, "", "b")`, cty.StringVal("b")},
	{`coalesce(null, 2)`, cty.NumberIntVal(2)},
	{`coalescelist([], ["a"])`, cty.TupleVal([]cty.Value{cty.StringVal("a")})},
	{`compact(["a", "", "b"])`, cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
	{`concat(["a"], ["b"])`, cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
	{`contains(["a", "b"], "b")`, cty.True},
	{`distinct(["a", "b", "a"])`, cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
	{`element(["a", "b"], 3)`, cty.StringVal("b")},
	{`flatten([["a"], ["b", ["c"]]])`, cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b"), cty.StringVal("c")})},
	{`index(["a", "b"], "b")`, cty.NumberIntVal(1)},
	{`keys({b = 1, a = 2})`, cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
	{`length(["a", "b"])`, cty.NumberIntVal(2)},
	{`length({a = 1})`, cty.NumberIntVal(1)},
	{`length("héllo")`, cty.NumberIntVal(5)},
	{`lookup({a = "x"}, "b", "d")`, cty.StringVal("d")},
	{`merge({a = 1}, {b = 2})`, cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1), "b": cty.NumberIntVal(2)})},
	{`range(3)`, cty.ListVal([]cty.Value{cty.NumberIntVal(0), cty.NumberIntVal(1), cty.NumberIntVal(2)})},
	{`reverse(["a", "b"])`, cty.TupleVal([]cty.Value{cty.StringVal("b"), cty.StringVal("a")})},
	{`setintersection(["a", "b"], ["b"])`, cty.SetVal([]cty.Value{cty.StringVal("b")})},
	{`setproduct(["a"], ["x", "y"])`, cty.ListVal([]cty.Value{
		cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("x")}),
		cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("y")}),
	})},
	{`setsubtract(["a", "b"], ["b"])`, cty.SetVal([]cty.Value{cty.StringVal("a")})},
	{`setunion(["a"], ["b"])`, cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
	{`slice(["a", "b", "c"], 1, 3)`, cty.TupleVal([]cty.Value{cty.StringVal("b"), cty.StringVal("c")})},
	{`sort(["b", "a"])`, cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
	{`values({b = 1, a = 2})`, cty.TupleVal([]cty.Value{cty.NumberIntVal(2), cty.NumberIntVal(1)})},
	{`zipmap(["a"], [1])`, cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1)})},

	// Encoding.
	{`csvdecode("a,b\n1,2\n")`, cty.ListVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("1"), "b": cty.StringVal("2")})})},
	{`jsondecode("{\"a\": 1}")`, cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1)})},
	{`jsonencode({a = 1})`, cty.StringVal(`{"a":1}`)},

	// Type conversion.
	{`tobool("true")`, cty.True},
	{`tolist(["a", "b"])`, cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
	{`tomap({a = "x"})`, cty.MapVal(map[string]cty.Value{"a": cty.StringVal("x")})},
	{`tonumber("42")`, cty.NumberIntVal(42)},
	{`toset(["a", "a"])`, cty.SetVal([]cty.Value{cty.StringVal("a")})},
	{`tostring(42)`, cty.StringVal("42")},

	// Error handling.
	{`can(tonumber("x"))`, cty.False},
	{`try(tonumber("x"), 0)`, cty.NumberIntVal(0)},

	// Network (more cases in cidr_test.go).
	{`cidrcontains("10.0.0.0/8", "10.1.2.3")`, cty.True},
	{`cidrhost("10.0.0.0/24", 5)`, cty.StringVal("10.0.0.5")},
	{`cidrnetmask("10.0.0.0/12")`, cty.StringVal("255.240.0.0")},
	{`cidrprefix("10.7.0.2/16")`, cty.StringVal("10.7.0.0/16")},
	{`cidrsubnet("10.0.0.0/16", 8, 7)`, cty.StringVal("10.0.7.0/24")},
	{`cidrsubnets("10.0.0.0/16", 8, 8)`, cty.ListVal([]cty.Value{cty.StringVal("10.0.0.0/24"), cty.StringVal("10.0.1.0/24")})},
}

func TestFunctionsGood(t *testing.T) {
	for _, tc := range goodCalls {
		t.Run(tc.src, func(t *testing.T) {
			got, diags := eval(t, tc.src)
			if diags.HasErrors() {
				t.Fatalf("unexpected error: %s", diags.Error())
			}
			if !got.RawEquals(tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

// TestEveryFunctionCalled keeps goodCalls complete: a function added to
// Functions() without a test fails here.
func TestEveryFunctionCalled(t *testing.T) {
	called := map[string]bool{}
	name := regexp.MustCompile(`^[a-z]+\(`)
	for _, tc := range goodCalls {
		called[strings.TrimSuffix(name.FindString(tc.src), "(")] = true
	}
	for fn := range Functions() {
		if !called[fn] {
			t.Errorf("function %s has no case in goodCalls", fn)
		}
	}
}

// TestFunctionsBad covers the errors of the functions written in this
// package (the network ones are in cidr_test.go) and a few go-cty ones, to
// check that the message reaches the user with the bad value.
func TestFunctionsBad(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want string // substring of the diagnostic
	}{
		{`index(["a", "b"], "z")`, `"z" is not in the list`},
		{`index("ab", "a")`, `must be a list or tuple`},
		{`coalesce(null, "")`, `no non-null, non-empty-string arguments`},
		{`coalesce()`, `at least one argument is required`},
		{`length(true)`, `must be a string, a collection or an object, not bool`},
		{`replace("a", "/(/", "b")`, `missing closing )`},
		{`alltrue(["x"])`, `a bool is required`},
		{`startswith(["a"], "a")`, `string required`},
		{`tonumber("ten")`, `cannot convert "ten" to number`},
		{`parseint("zz", 10)`, `cannot parse "zz"`},
		{`jsondecode("{")`, `EOF`},
	} {
		t.Run(tc.src, func(t *testing.T) {
			_, diags := eval(t, tc.src)
			if !diags.HasErrors() {
				t.Fatalf("no error, want one mentioning %q", tc.want)
			}
			if !strings.Contains(diags.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", diags.Error(), tc.want)
			}
		})
	}
}

// TestUnknownArguments: while lang evaluates a configuration, values not
// yet known (a guest attribute computed later) flow through functions; the
// functions written here must return unknown rather than fail or panic.
func TestUnknownArguments(t *testing.T) {
	u := cty.UnknownVal(cty.String)
	for name, args := range map[string][]cty.Value{
		"replace":     {u, cty.StringVal("/a/"), cty.StringVal("b")},
		"length":      {u},
		"coalesce":    {u, cty.StringVal("b")},
		"index":       {cty.UnknownVal(cty.List(cty.String)), cty.StringVal("a")},
		"alltrue":     {cty.ListVal([]cty.Value{cty.UnknownVal(cty.Bool), cty.True})},
		"anytrue":     {cty.ListVal([]cty.Value{cty.UnknownVal(cty.Bool), cty.False})},
		"startswith":  {u, cty.StringVal("a")},
		"cidrhost":    {u, cty.NumberIntVal(1)},
		"cidrsubnets": {u, cty.NumberIntVal(1)},
	} {
		got, err := Functions()[name].Call(args)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got.IsKnown() {
			t.Errorf("%s: got known %#v, want unknown", name, got)
		}
	}
}
