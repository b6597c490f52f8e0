// Package ir is vsc's intermediate representation: the plan, a list of
// primitive kernel operations for one host, as data.
//
// It sits in the middle of vsc's pipeline:
//
//	lang (HCL → typed AST) → compiler (AST → plan) → ir (plan as data) → executor (plan → kernel)
//
// A plan is built by the compiler and sealed with its digest (Seal),
// encoded as text for review or as JSON to be saved, decoded again
// (possibly much later, possibly edited by hand: CheckDigest tells),
// checked by Verify, and applied by the executor. Keeping it plain
// data is what lets a reviewer read exactly what will happen, and lets
// the executor refuse a plan that is malformed or stale.
//
// Every op kind is one row of one registry table (kinds.go) and one Go
// struct in the file of its object (link.go, addr.go, …). The encoders
// and the decoder are written once, over the structs' `ir` tags, so a
// new kind needs no encoding code.
//
// Package ir must never read HCL or know about the configuration
// language, and must never touch the host (no syscalls, no files other
// than the writers and bytes it is handed): Verify judges a plan as data
// alone, independently of the compiler that produced it, so that a
// compiler bug or a tampered plan file cannot slip through.
package ir
