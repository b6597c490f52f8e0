package main

import "io"

func init() {
	register(&command{name: "check", synopsis: "check a configuration and print its problems", run: runCheck})
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", "[PATH] [--format text|json] [--var NAME=VALUE] [--var-file FILE]", stderr)
	var cf configFlags
	cf.register(fs)
	c, code, ok := cf.parseAndLoad(fs, args, stderr)
	if !ok {
		return code
	}
	if cf.format == "json" {
		if err := writeDiagnosticsJSON(stdout, c.diags); err != nil {
			return internalError(stderr, err)
		}
	} else {
		writeDiagnostics(stdout, c.diags, c.cfg.Files)
	}
	if c.diags.HasErrors() {
		return exitFailed
	}
	return exitOK
}
