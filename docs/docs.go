// Package docs holds vsc's user documentation, embedded so that the
// binary can show it: the language server's hover and completion quote
// language.md, the reference of every block and attribute.
package docs

import "embed"

// FS holds language.md and the pages of checks/.
//
//go:embed language.md checks/*.md
var FS embed.FS
