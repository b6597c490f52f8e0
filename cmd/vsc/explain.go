package main

import (
	"fmt"
	"io"

	"vsc/compiler"
	"vsc/lang"
)

func init() {
	register(&command{name: "explain", synopsis: "print the documentation of a check", run: runExplain})
}

func runExplain(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("explain", "[CODE]", stderr)
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	switch len(pos) {
	case 0:
		fmt.Fprintln(stdout, "Checks (run `vsc explain CODE` for one):")
		for _, c := range compiler.Checks {
			fmt.Fprintf(stdout, "  %-22s %-7s %s\n", c.Name, compiler.SeverityName(c.Severity), c.Title())
		}
		return exitOK
	case 1:
	default:
		return usageError(fs, stderr, "takes one CODE")
	}
	c := compiler.Lookup(pos[0])
	if c == nil {
		var names []string
		for _, c := range compiler.Checks {
			names = append(names, c.Name)
		}
		msg := fmt.Sprintf("no check has the code %q", pos[0])
		if s := lang.Suggest(pos[0], names); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return usageError(fs, stderr, "%s (run `vsc explain` for the list)", msg)
	}
	fmt.Fprint(stdout, compiler.Page(c))
	return exitOK
}
