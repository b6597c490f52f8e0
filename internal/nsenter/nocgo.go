//go:build !cgo

package nsenter

// Enabled reports whether the constructor is linked in: false when vsc
// was built without cgo, and then guests cannot be entered.
const Enabled = false
