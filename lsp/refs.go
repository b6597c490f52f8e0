package lsp

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"vsc/compiler"
	"vsc/lang"
)

// A reference is a name in a document that stands for a declaration
// elsewhere: var.NAME, local.NAME, and the strings that name a host
// (guest host), a link (guest interface dev, route dev, vlan link) or a
// table (rule table).

// refKind says what a string attribute names.
type refKind int

const (
	refNone refKind = iota
	refHost
	refLink
	refTable
)

// refKindOf tells what the string value of attribute name in a block at
// path names.
func refKindOf(path []string, name string) refKind {
	switch strings.Join(path, "/") + "." + name {
	case "guest.host", "defaults.host":
		return refHost
	case "guest/interface.dev", "defaults/interface.dev", "host/table/route.dev", "host/vlan.link":
		return refLink
	case "host/rule.table":
		return refTable
	}
	return refNone
}

// target is a declaration: where its name is, and what hover shows.
type target struct {
	rng hcl.Range
	doc string
}

// reference is what the cursor is on, when it is a reference.
type reference struct {
	rng  hcl.Range // the reference itself, for hover
	kind string    // "var", "local", "host", "link", "table"
	name string
	top  *block // the top-level block it is written in
}

// referenceAt returns the reference under off in the outline.
func referenceAt(o *outline, off int) (reference, bool) {
	if i := o.tokenAt(off); i >= 0 {
		if root, name, rng, ok := o.reference(i); ok {
			return reference{rng: rng, kind: root, name: name, top: o.blockAt(off).top()}, true
		}
	}
	b := o.blockAt(off)
	a, onName := b.attrAt(off)
	if a == nil || onName {
		return reference{}, false
	}
	kind := refKindOf(b.path(), a.Name)
	if kind == refNone {
		return reference{}, false
	}
	v, rng, ok := o.stringAt(a, off)
	if !ok {
		return reference{}, false
	}
	return reference{rng: rng, kind: [...]string{"", "host", "link", "table"}[kind], name: v, top: b.top()}, true
}

// resolve returns the declarations a reference leads to in a snapshot.
func resolve(snap *snapshot, ref reference) []target {
	cfg := snap.cfg
	var out []target
	switch ref.kind {
	case "var":
		for _, v := range cfg.Variables {
			if v.Name == ref.name {
				out = append(out, target{v.DeclRange, variableDoc(v)})
			}
		}
	case "local":
		for _, l := range cfg.Locals {
			if l.Name == ref.name {
				out = append(out, target{l.DeclRange, localDoc(cfg, l)})
			}
		}
	case "host":
		if h := snap.model.Host(ref.name); h != nil {
			out = append(out, target{h.Name.Range, hostDoc(snap, h)})
		}
	case "link":
		for _, h := range hostsOf(snap, ref.top) {
			for _, i := range h.Interfaces {
				if i.Name.V == ref.name {
					out = append(out, target{i.Name.Range, interfaceDoc(h, i)})
				}
			}
			for _, v := range h.VLANs {
				if v.Name.V == ref.name {
					out = append(out, target{v.Name.Range, vlanDoc(h, v)})
				}
			}
		}
	case "table":
		for _, h := range hostsOf(snap, ref.top) {
			if t := compiler.Table(h, ref.name); t != nil {
				out = append(out, target{t.Name.Range, tableDoc(h, t)})
			}
		}
	}
	return out
}

// hostsOf returns the hosts whose names a block can use: the host it is
// in, the host of the guest it is (or of the defaults), or else every
// host of the configuration.
func hostsOf(snap *snapshot, top *block) []*lang.Host {
	cfg := snap.cfg
	if top != nil {
		switch top.Type {
		case "host":
			if h := snap.model.Host(top.label0()); h != nil {
				return []*lang.Host{h}
			}
		case "guest":
			for _, g := range cfg.Guests {
				if g.Label.V == top.label0() {
					if h := snap.model.HostOf(g); h != nil {
						return []*lang.Host{h}
					}
					break
				}
			}
		case "defaults":
			if d := cfg.Defaults; d != nil && d.Host.Set {
				if h := snap.model.Host(d.Host.V); h != nil {
					return []*lang.Host{h}
				}
			}
		}
	}
	return cfg.Hosts
}

func site(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", filepath.Base(r.Filename), r.Start.Line)
}

// showValue renders a value as HCL, as a user would write it.
func showValue(v cty.Value) (s string) {
	defer func() {
		if recover() != nil {
			s = "(unknown)"
		}
	}()
	if v == cty.NilVal || !v.IsWhollyKnown() {
		return "(unknown)"
	}
	s = string(hclwrite.TokensForValue(v).Bytes())
	if len(s) > 2000 {
		s = s[:2000] + "…"
	}
	return s
}

func variableDoc(v *lang.Variable) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**variable \"%s\"**", v.Name)
	if v.Type != cty.DynamicPseudoType {
		fmt.Fprintf(&b, " — %s", v.Type.FriendlyNameForConstraint())
	}
	if v.Description != "" {
		fmt.Fprintf(&b, "\n\n%s", v.Description)
	}
	if v.Value == cty.NilVal || v.Value == cty.DynamicVal {
		b.WriteString("\n\nNo value: give a default, or set it in the editor's `initializationOptions.vars`.")
	} else {
		fmt.Fprintf(&b, "\n\n```hcl\n%s\n```", showValue(v.Value))
	}
	fmt.Fprintf(&b, "\n\nDeclared at %s.", site(v.DeclRange))
	return b.String()
}

func localDoc(cfg *lang.Config, l *lang.Local) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**local.%s**", l.Name)
	if l.Expr != nil {
		r := l.Expr.Range()
		if f := cfg.Files[r.Filename]; f != nil && r.End.Byte <= len(f.Bytes) && r.Start.Byte <= r.End.Byte {
			fmt.Fprintf(&b, " = `%s`", truncate(string(f.Bytes[r.Start.Byte:r.End.Byte]), 200))
		}
	}
	fmt.Fprintf(&b, "\n\n```hcl\n%s\n```\n\nDeclared at %s.", showValue(l.Value), site(l.DeclRange))
	return b.String()
}

func hostDoc(snap *snapshot, h *lang.Host) string {
	return fmt.Sprintf("**host \"%s\"** — %s, %s, %s, %s, %s\n\nGuest roots in `%s`. Declared at %s.",
		h.Name.V, count(len(h.Interfaces), "interface"), count(len(h.VLANs), "VLAN"),
		count(len(h.Tables), "table"), count(len(h.Rules), "rule"), count(len(snap.model.GuestsOf(h)), "guest"),
		compiler.VserversDir(h), site(h.Name.Range))
}

func interfaceDoc(h *lang.Host, i *lang.Interface) string {
	s := fmt.Sprintf("**interface \"%s\"** of host `%s` — an existing link vsc uses but never creates", i.Name.V, h.Name.V)
	if addrs := lang.Values(i.Addresses); len(addrs) > 0 {
		s += "\n\nHost addresses: " + strings.Join(addrs, ", ")
	}
	return s + fmt.Sprintf("\n\nDeclared at %s.", site(i.Name.Range))
}

func vlanDoc(h *lang.Host, v *lang.VLAN) string {
	s := fmt.Sprintf("**vlan \"%s\"** of host `%s` — 802.1Q id %d on `%s`", v.Name.V, h.Name.V, v.ID.V, v.Link.V)
	if addrs := lang.Values(v.Addresses); len(addrs) > 0 {
		s += "\n\nHost addresses: " + strings.Join(addrs, ", ")
	}
	return s + fmt.Sprintf("\n\nDeclared at %s.", site(v.Name.Range))
}

func tableDoc(h *lang.Host, t *lang.Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**table \"%s\"** of host `%s` — id %d, %s", t.Name.V, h.Name.V, t.ID.V, count(len(t.Routes), "route"))
	if len(t.Routes) > 0 {
		b.WriteString("\n")
	}
	for _, r := range t.Routes {
		fmt.Fprintf(&b, "\n- %s", r.To.V)
		if r.Via.Set {
			fmt.Fprintf(&b, " via %s", r.Via.V)
		}
		if r.Dev.Set {
			fmt.Fprintf(&b, " dev %s", r.Dev.V)
		}
	}
	fmt.Fprintf(&b, "\n\nDeclared at %s.", site(t.Name.Range))
	return b.String()
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
