// Package lsp is vsc's language server: it speaks the Language Server
// Protocol (JSON-RPC 2.0 with Content-Length framing) on stdin and stdout so
// that editors show vsc's diagnostics as the user types, and offer hover,
// completion, go to definition, formatting and an outline of
// `*.vsc.hcl` files.
//
// It sits beside the pipeline rather than in it:
//
//	editor ⇄ lsp → lang (source → Config) → compiler (checks)
//
// Diagnostics are exactly those of `vsc check`: the whole configuration
// folder of a file is loaded with lang.Load, the editor's unsaved buffers
// taking precedence over the files on disk, and checked with compiler.Run.
// Hover, completion and definition read the document's tokens (so that they
// work in a file that does not parse while it is typed), the schema of
// lang.SchemaOf, the text of docs/language.md, and the last loaded
// configuration for names declared elsewhere.
//
// lsp never writes files, never touches the host, and writes nothing but
// protocol messages to its output: its log goes to stderr.
package lsp
