// Package lang reads vsc configurations: it turns source files (native HCL
// `*.vsc.hcl` and HCL's JSON syntax `*.vsc.json`) into a typed, evaluated
// configuration in which every value keeps the source range it came from.
//
// lang is the first stage of vsc's pipeline:
//
//	lang (source → Config) → compiler (Config → checks, plan) → ir → executor
//
// It reports user mistakes it can see on its own — syntax, schema (unknown or
// missing blocks and attributes, wrong types), undefined references and
// expressions that cannot be evaluated — as hcl.Diagnostics carrying a stable
// code (see Code). It never judges meaning (conflicts, ranges of context ids,
// addresses…): that is the compiler's job. It never touches the host beyond
// reading the configuration files it is given.
package lang
