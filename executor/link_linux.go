package executor

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"vsc/ir"
)

func init() { register(ir.KindLinkAdd, linkHandler{}) }

// linkAlias is the alias (IFLA_IFALIAS, `ip link set DEV alias vsc`) vsc
// gives every link it creates: its mark of ownership, which survives
// the loss of the state dir.
const linkAlias = "vsc"

// linkHandler applies link.add:
//
//	ip link add link eth0 name eth0.7 type vlan id 7; ip link set eth0.7 up
type linkHandler struct{}

func (linkHandler) key(b ir.Body) string { return "link:" + b.(*ir.LinkAdd).Name }

func (linkHandler) observe(h *Host, bodies []ir.Body) (map[string]live, error) {
	out := map[string]live{}
	for _, b := range bodies {
		name := b.(*ir.LinkAdd).Name
		k := "link:" + name
		if _, ok := out[k]; ok {
			continue
		}
		l, err := h.nl.LinkByName(name)
		if err != nil {
			if _, ok := err.(netlink.LinkNotFoundError); ok {
				continue
			}
			return nil, fmt.Errorf("link %q: %w", name, err)
		}
		out[k] = live{body: linkBody(h, l), marked: l.Attrs().Alias == linkAlias}
	}
	return out, nil
}

// linkBody describes a live link as the op that would make it. A link
// of another type keeps only its name and type: it is another object.
func linkBody(h *Host, l netlink.Link) *ir.LinkAdd {
	body := &ir.LinkAdd{Name: l.Attrs().Name, Type: l.Type()}
	v, ok := l.(*netlink.Vlan)
	if !ok {
		return body
	}
	body.VlanID = v.VlanId
	// The parent may sit in another namespace (IFLA_LINK_NETNSID), where
	// its index names nothing here.
	body.Link = fmt.Sprintf("if%d", v.ParentIndex)
	if p, err := h.nl.LinkByIndex(v.ParentIndex); err == nil && l.Attrs().NetNsID < 0 {
		body.Link = p.Attrs().Name
	}
	return body
}

func (linkHandler) same(want, got ir.Body) bool {
	return *want.(*ir.LinkAdd) == *got.(*ir.LinkAdd)
}

func (linkHandler) precheck(h *Host, b ir.Body, w *world) error {
	l := b.(*ir.LinkAdd)
	var errs []string
	if err := vlanSupport(); err != nil {
		errs = append(errs, err.Error())
	}
	if !w.links[l.Link] {
		errs = append(errs, fmt.Sprintf("%s has no parent link %q", h.where(), l.Link))
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

func (linkHandler) create(h *Host, b ir.Body) error {
	l := b.(*ir.LinkAdd)
	parent, err := h.nl.LinkByName(l.Link)
	if err != nil {
		return fmt.Errorf("parent link %q: %w", l.Link, err)
	}
	attrs := netlink.NewLinkAttrs()
	attrs.Name = l.Name
	attrs.ParentIndex = parent.Attrs().Index
	vlan := &netlink.Vlan{LinkAttrs: attrs, VlanId: l.VlanID}
	if err := h.nl.LinkAdd(vlan); err != nil {
		if errors.Is(err, unix.EOPNOTSUPP) {
			// "Unknown device type": the probe missed it (netlink v1.3.1's
			// handles do not ask for the kernel's words).
			return fmt.Errorf("%w: %v", err, errNoVLAN)
		}
		return err
	}
	// One step makes the whole object: a link left without its mark or
	// down would be neither vsc's nor what the plan asked for.
	if err := h.nl.LinkSetAlias(vlan, linkAlias); err != nil {
		h.nl.LinkDel(vlan)
		return fmt.Errorf("setting the alias: %w", err)
	}
	if err := h.nl.LinkSetUp(vlan); err != nil {
		h.nl.LinkDel(vlan)
		return fmt.Errorf("setting it up: %w", err)
	}
	return nil
}

func (linkHandler) remove(h *Host, b ir.Body) error {
	l := b.(*ir.LinkAdd)
	link, err := h.nl.LinkByName(l.Name)
	if err != nil {
		return fmt.Errorf("link %q: %w", l.Name, err)
	}
	return h.nl.LinkDel(link)
}

// vlanSupport says whether the kernel can make 802.1Q links; tests
// replace it to act as a kernel with or without them.
var vlanSupport = func() error {
	var u unix.Utsname
	release := ""
	if err := unix.Uname(&u); err == nil {
		release = unix.ByteSliceToString(u.Release[:])
	}
	return probeVLAN("/sys/module", "/proc/net/vlan", filepath.Join("/lib/modules", release))
}

// errNoVLAN is what a kernel without 802.1Q answers only once the host
// is touched: "Unknown device type" (EOPNOTSUPP).
var errNoVLAN = errors.New("the kernel has no 802.1Q VLAN support (module 8021q); load it with modprobe 8021q or use a kernel built with CONFIG_VLAN_8021Q")

// probeVLAN looks for 802.1Q support without touching the host: the
// 8021q module loaded or built in (/sys/module/8021q, /proc/net/vlan),
// or present in the kernel's module tree, which the kernel loads on
// demand when a vlan link is first made (alias rtnl-link-vlan).
func probeVLAN(sysModule, procVLAN, modules string) error {
	for _, p := range []string{filepath.Join(sysModule, "8021q"), procVLAN} {
		if _, err := os.Stat(p); err == nil {
			return nil
		}
	}
	if found, _ := filepath.Glob(filepath.Join(modules, "kernel", "net", "8021q", "8021q.ko*")); len(found) > 0 {
		return nil
	}
	// Elsewhere in the tree, or built in: modules.dep and modules.builtin
	// name every module by its path.
	for _, list := range []string{"modules.dep", "modules.builtin"} {
		if listsModule(filepath.Join(modules, list), "8021q.ko") {
			return nil
		}
	}
	return errNoVLAN
}

// listsModule tells whether a modules.dep or modules.builtin file names
// the module file (NAME.ko, possibly compressed) on one of its lines.
func listsModule(list, module string) bool {
	f, err := os.Open(list)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		path, _, _ := strings.Cut(sc.Text(), ":")
		if base := filepath.Base(path); base == module || strings.HasPrefix(base, module+".") {
			return true
		}
	}
	return false
}

func (linkHandler) marked(h *Host) ([]ir.Body, error) {
	links, err := h.nl.LinkList()
	if err != nil {
		return nil, err
	}
	var out []ir.Body
	for _, l := range links {
		if l.Attrs().Alias == linkAlias {
			out = append(out, linkBody(h, l))
		}
	}
	return out, nil
}
