package lsp

import "vsc/compiler"

// The values completion offers for flags and capabilities come from the
// compiler's own tables, so that completion and the checks agree.
var (
	contextFlags = compiler.ContextFlags()
	capabilities = compiler.CapabilityNames()
)

// dangerous tells a capability capability-dangerous warns about adding.
func dangerous(capability string) bool { return compiler.Dangerous(capability) != "" }
