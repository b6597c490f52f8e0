package compiler

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

// buildOptions says, per build method, which options it requires and which
// it may take, as util-vserver's `vserver NAME build -m METHOD -- …` does.
var buildOptions = map[string]struct{ required, optional []string }{
	"debootstrap": {required: []string{"distribution"}, optional: []string{"mirror"}},
	"yum":         {required: []string{"distribution"}},
	"template":    {required: []string{"archive"}},
	"rsync":       {required: []string{"source"}},
	"clone":       {required: []string{"source"}},
	"skeleton":    {},
}

// buildExamples show a value for each option in messages.
var buildExamples = map[string]string{
	"distribution": `distribution = "bookworm"`,
	"mirror":       `mirror = "http://deb.debian.org/debian"`,
	"archive":      `archive = "/var/cache/vservers/base.tar.gz"`,
	"source":       `source = "/var/lib/vservers/base"`,
}

// archiveSuffixes are the tar archives the executor extracts: plain, gzip
// and xz.
var archiveSuffixes = []string{".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz"}

var buildInvalid = &Check{
	Name:     "build-invalid",
	Severity: hcl.DiagError,
	Doc: `Build method missing an option, or given one it does not use

Each build method takes its own options, as util-vserver's
"vserver NAME build -m METHOD -- …" does:

    debootstrap   distribution (required), mirror (optional)
    yum           distribution (required)
    template      archive (required): a .tar, .tar.gz, .tgz, .tar.xz or .txz
    rsync, clone  source (required): the folder to copy
    skeleton      nothing: an empty guest with a minimal /dev

A missing option would only fail when the guest is built, long after the
configuration was accepted; an option the method does not use is a sign
of a wrong method, and would be silently ignored. The executor extracts
plain, gzip and xz tar archives, so a template archive must have one of
those suffixes.

    build {
      method  = "debootstrap"      # build-invalid: needs distribution
      archive = "base.tar.gz"      # build-invalid: debootstrap does not use archive
    }

Add the missing option, remove the unused one, or pick the method that
matches the options.
`,
	Run: func(p *Pass) {
		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			b := g.Build
			if b == nil || !b.Method.Set {
				return
			}
			spec, known := buildOptions[b.Method.V]
			if !known {
				return // schema
			}
			opts := map[string]lang.Val[string]{
				"distribution": b.Distribution,
				"mirror":       b.Mirror,
				"archive":      b.Archive,
				"source":       b.Source,
			}
			for _, name := range spec.required {
				v := opts[name]
				switch {
				case !v.Set && seen.first(b.Method.Range, "missing "+name):
					p.Report(b.Method.Range, fmt.Sprintf("Build method %q needs %s", b.Method.V, name),
						fmt.Sprintf("The build of %s uses method %q, which needs %s. Add it to the build block, as in %s.",
							owner(g), b.Method.V, name, buildExamples[name]))
				case v.Set && v.V == "" && seen.first(v.Range, "empty"):
					p.Report(v.Range, fmt.Sprintf("Empty %s", name),
						fmt.Sprintf("The build of %s gives an empty %s, which method %q needs. Give a value, as in %s.",
							owner(g), name, b.Method.V, buildExamples[name]))
				}
			}
			for _, name := range []string{"distribution", "mirror", "archive", "source"} {
				v := opts[name]
				if !v.Set || contains(spec.required, name) || contains(spec.optional, name) || !seen.first(v.Range, "unused "+b.Method.V) {
					continue
				}
				p.Report(v.Range, fmt.Sprintf("Build method %q does not use %s", b.Method.V, name),
					fmt.Sprintf("The build of %s uses method %q, which takes no %s (%s is for %s). Remove it, or choose the method it belongs to.",
						owner(g), b.Method.V, name, name, methodsUsing(name)))
			}
			if a := b.Archive; b.Method.V == "template" && a.Set && a.V != "" && !hasArchiveSuffix(a.V) && seen.first(a.Range, "suffix") {
				p.Report(a.Range, "Archive is not a tar archive",
					fmt.Sprintf("The template archive %q of %s does not end in %s; vsc extracts plain, gzip and xz tar archives only. Give a tar archive, or rename it if it is one.",
						a.V, owner(g), strings.Join(archiveSuffixes, ", ")))
			}
		})
	},
}

func hasArchiveSuffix(name string) bool {
	lower := strings.ToLower(name)
	for _, s := range archiveSuffixes {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	return false
}

// methodsUsing lists, for a message, the methods that take an option.
func methodsUsing(option string) string {
	var out []string
	for _, m := range []string{"debootstrap", "yum", "template", "rsync", "clone"} {
		spec := buildOptions[m]
		if contains(spec.required, option) || contains(spec.optional, option) {
			out = append(out, m)
		}
	}
	return strings.Join(out, " and ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
