// Package compiler checks a configuration and lowers it to plans.
//
// It is the second stage of vsc's pipeline:
//
//	lang (source → Config) → compiler (Config → checks, plan) → ir → executor
//
// Every check is a small value in the list of checks.go: a stable code,
// its documentation (printed by `vsc explain CODE`), and a Run function that
// reports diagnostics on the whole configuration. Checks never stop at the
// first problem and never depend on one another's order. Lowering (lower.go)
// turns a configuration without errors into one ir.Plan per host.
//
// The compiler never touches the host: no file, link or mount is read or
// changed here. What the live host holds is the executor's business.
package compiler
