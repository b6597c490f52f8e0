// Package stdlib holds the functions that vsc expressions may call, such
// as format, join, merge, try or cidrhost, and the size parser used for
// attributes like rlimits.as = "512MiB".
//
// Package lang puts [Functions] into the hcl.EvalContext it uses to
// evaluate every expression of a configuration. [ParseSize] and
// [FormatSize] are plain Go functions, not HCL ones: they are for the code
// that reads and prints size attributes.
//
// Names and behaviour follow Terraform, so that Terraform users find what
// they expect: most functions come from go-cty's stdlib under Terraform's
// names, the network functions (cidrhost, cidrsubnet, …) are written here
// on top of net/netip.
//
// Every function must be pure: no file, network, clock or random access.
// A configuration must evaluate to the same plan on any machine and at
// any time, otherwise `vsc verify` of a saved plan and review of a
// configuration would mean nothing. That is why file, timestamp, uuid,
// bcrypt and the like are deliberately absent.
//
// docs/functions.md is the user reference; a test fails when a function
// in [Functions] is missing from it.
package stdlib
