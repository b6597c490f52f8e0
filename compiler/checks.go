package compiler

import "github.com/hashicorp/hcl/v2"

// Checks is every check of the language, by group. Adding a check is one
// file, one test folder under testdata/check, and one line here.
var Checks = concat(readChecks, guestChecks, networkChecks)

// readChecks document the codes that lang reports while reading the
// configuration; they have no Run of their own.
var readChecks = []*Check{
	inputCheck,
	syntaxCheck,
	schemaCheck,
	referenceCheck,
	expressionCheck,
	variableCheck,
}

func concat(groups ...[]*Check) []*Check {
	var out []*Check
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

var inputCheck = &Check{
	Name:     "input",
	Severity: hcl.DiagError,
	Doc: `The configuration cannot be read

vsc reads every *.vsc.hcl and *.vsc.json file directly inside one folder, or
the one file named on the command line. This fires when the path does not
exist, cannot be read, or is a folder holding no configuration file.

Fix it by giving the folder that holds the configuration:

    vsc check /etc/vsc/srv1
`,
}

var syntaxCheck = &Check{
	Name:     "syntax",
	Severity: hcl.DiagError,
	Doc: `HCL does not parse

A file is not valid HCL native syntax (*.vsc.hcl) or HCL JSON (*.vsc.json):
an unclosed brace or string, a missing equals sign, bytes that are not
UTF-8, or brackets nested more than 256 levels deep. The diagnostic points
at the first character HCL could not read.

Note that a block written on one line holds a single argument:

    cpuset { cpus = "0-1" }        # fine
    cpuset { cpus = "0-1", mems = "0" }   # syntax error: put each on its own line
`,
}

var schemaCheck = &Check{
	Name:     "schema",
	Severity: hcl.DiagError,
	Doc: `Unknown, missing or mistyped block or attribute

A block or attribute the language does not have (with a suggestion when a
known name is close: "Did you mean "hostname"?"), a required one that is
missing (a guest without context, a vlan without id), a block given twice
where one is allowed, a value of the wrong type (a list where a string is
expected), an enumerated value out of its set (build.method, init.style,
reboot.action), a malformed size ("200XB"), a name declared twice.

    guest "web" {
      hostnme = "web.example.org"   # schema: Did you mean "hostname"?
    }
`,
}

var expressionCheck = &Check{
	Name:     "expression",
	Severity: hcl.DiagError,
	Doc: `An expression cannot be evaluated

An expression is well formed but has no value: a function given a bad
argument (cidrhost("10.0.0.0/30", 9)), an operator applied to the wrong
types ("a" + 1), an index out of range, a key missing from a map. The
detail says which argument or operand is at fault.
`,
}

var variableCheck = &Check{
	Name:     "variable-invalid",
	Severity: hcl.DiagError,
	Doc: `A variable has no valid value

A variable without a default that is not set with --var or --var-file; a
value that does not convert to the variable's type; a value rejected by
one of its validation blocks (the error_message is shown); a --var or
--var-file entry for a variable that is not declared.

    variable "subnet" {
      type = string
      validation {
        condition     = can(cidrnetmask(var.subnet))
        error_message = "subnet must be an IPv4 prefix such as 10.20.0.0/24."
      }
    }
`,
}
