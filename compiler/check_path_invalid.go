package compiler

import (
	"fmt"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"vsc/lang"
)

var pathInvalid = &Check{
	Name:     "path-invalid",
	Severity: hcl.DiagError,
	Doc: `Path not absolute or not clean

A path vsc gives to the kernel or compares with others must be absolute
and clean: starting with "/", without empty, "." or ".." components and
without a trailing slash. This holds for a guest's root,
disk_limit.directory and build.source, the target of a guest's mount
(a path inside the guest), a host's vservers_dir and config_dir, and the
mount point of a host filesystem.

A relative path would depend on the folder vsc happens to run in. A path
that is not clean hides what it names: "/srv/a/../b" is "/srv/b", and two
spellings of one folder escape the checks that compare roots and mount
points. Only build.source may end in "/", the form rsync users write
("copy the contents"); vsc copies the contents either way.

    guest "web" {
      context = 300
      root    = "/var/lib/vservers/../web"   # path-invalid: write "/var/lib/web"
    }

Write the path as the diagnostic's cleaned form says, or as an absolute
path when it is relative.
`,
	Run: func(p *Pass) {
		for _, h := range p.Config.Hosts {
			what := fmt.Sprintf("of host %q", h.Name.V)
			checkPath(p, h.VserversDir, "vservers_dir", what, false)
			checkPath(p, h.ConfigDir, "config_dir", what, false)
			for _, fs := range h.Filesystems {
				checkPath(p, fs.MountPoint, "filesystem mount point", what, false)
			}
		}
		seen := once{}
		eachGuestBlock(p, func(g *lang.Guest) {
			what := "of " + owner(g)
			check := func(v lang.Val[string], name string, slash bool) {
				if v.Set && seen.first(v.Range, v.V) {
					checkPath(p, v, name, what, slash)
				}
			}
			check(g.Root, "root", false)
			if g.DiskLimit != nil {
				check(g.DiskLimit.Directory, "disk_limit.directory", false)
			}
			for _, m := range g.Mounts {
				check(m.Target, "mount target", false)
			}
			if g.Build != nil {
				check(g.Build.Source, "build.source", true)
			}
		})
	},
}

// checkPath reports v unless it is an absolute, clean path; slash allows
// one trailing "/".
func checkPath(p *Pass, v lang.Val[string], name, what string, slash bool) {
	if !v.Set {
		return
	}
	s := v.V
	switch {
	case s == "":
		p.Report(v.Range, "Empty path", fmt.Sprintf("The %s %s is empty. Give an absolute path.", name, what))
		return
	case strings.ContainsRune(s, 0):
		p.Report(v.Range, "Path with a NUL byte", fmt.Sprintf("The %s %s contains a NUL byte, which no path can hold. Remove it.", name, what))
		return
	case !strings.HasPrefix(s, "/"):
		p.Report(v.Range, "Relative path",
			fmt.Sprintf("The %s %s is %q, a relative path, whose meaning would depend on the folder vsc runs in. Give an absolute path, such as %q.",
				name, what, s, path.Clean("/"+s)))
		return
	}
	want := path.Clean(s)
	if slash && want != "/" && strings.HasSuffix(s, "/") {
		want += "/"
	}
	if s == want {
		return
	}
	why := "it is not in its clean form"
	for _, c := range strings.Split(s, "/")[1:] {
		if c == ".." {
			why = `it has a ".." component`
			break
		}
		if c == "." {
			why = `it has a "." component`
		}
	}
	if why == "it is not in its clean form" {
		switch {
		case strings.Contains(s, "//"):
			why = "it has an empty component (\"//\")"
		case strings.HasSuffix(s, "/"):
			why = "it ends with a slash"
		}
	}
	p.Report(v.Range, "Path not clean",
		fmt.Sprintf("The %s %s is %q, but %s; it names %q. Write %q.", name, what, s, why, want, want))
}
