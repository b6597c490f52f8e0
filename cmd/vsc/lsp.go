package main

import (
	"io"
	"os"

	"vsc/lsp"
)

func init() {
	register(&command{name: "lsp", synopsis: "run the language server for editors, on stdin and stdout", run: runLSP})
}

func runLSP(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("lsp", "[--stdio]", stderr)
	// Editors' LSP clients often pass --stdio; it is the only transport.
	fs.Bool("stdio", true, "speak the protocol on stdin and stdout (the only transport)")
	pos, code, ok := parseOrUsage(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "takes no arguments, got %q", pos[0])
	}
	return lsp.Serve(os.Stdin, stdout, stderr)
}
