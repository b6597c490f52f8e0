package lang

import (
	"fmt"
	"iter"
	"reflect"
	"slices"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Val is one evaluated attribute value with the range of the expression it
// came from. Set is false when the attribute was absent or null; Range is
// then zero.
type Val[T any] struct {
	V     T
	Range hcl.Range
	Set   bool
}

// Strings is a list attribute: the list itself and each element keep their
// ranges, so a check can point at the one bad element.
type Strings = Val[[]Val[string]]

// Values returns the plain strings of a list attribute.
func Values(s Strings) []string {
	out := make([]string, len(s.V))
	for i, e := range s.V {
		out[i] = e.V
	}
	return out
}

// Size is a number of bytes. In the configuration it is a number (whose unit
// depends on the attribute: bytes, or KiB for disk_limit.space_total) or a
// string with a unit ("200MiB", "1G"); see stdlib.ParseSize.
type Size uint64

// Unlimited is the value of an rlimit set to "unlimited".
const Unlimited = ^uint64(0)

// Limit is one rlimit: soft = hard unless the configuration gave an object
// { soft, hard }.
type Limit struct {
	Soft, Hard uint64
	// object points at the two values of an object form, nil for a single
	// value; see NamedLimit.SoftRange. (A pointer: most limits are single
	// values, and a guest has 16 of them.)
	object *[2]hcl.Range
}

// Ranges returns where the soft and hard values of a limit are written:
// the two values of an object form, for a check reporting soft > hard;
// both are attr, the attribute's range, otherwise.
func (l Limit) Ranges(attr hcl.Range) (soft, hard hcl.Range) {
	if l.object != nil {
		return l.object[0], l.object[1]
	}
	return attr, attr
}

// Config is a whole configuration: every file of a folder, or one file.
type Config struct {
	// Path is the folder or file the configuration was loaded from.
	Path string
	// Files holds the files read by name, for source snippets and Digest:
	// only their Bytes, as Load drops the syntax trees once the
	// configuration is decoded. FileNames lists them in the (name) order
	// they were read.
	Files     map[string]*hcl.File
	FileNames []string

	Variables []*Variable
	Locals    []*Local
	Hosts     []*Host
	Defaults  *Guest // nil when there is no defaults block
	Guests    []*Guest

	// digest is Digest's result, computed once: every host's plan
	// carries it.
	digestOnce sync.Once
	digest     string
}

// Variable is a declared input with its final value.
type Variable struct {
	Name        string
	Description string
	Type        cty.Type
	Value       cty.Value
	DeclRange   hcl.Range
}

// Local is a named expression with its value.
type Local struct {
	Name      string
	Value     cty.Value
	Expr      hcl.Expression
	DeclRange hcl.Range
}

// Host is one physical machine.
type Host struct {
	Name        Val[string]   `vsc:",label"`
	VserversDir Val[string]   `vsc:"vservers_dir"`
	ConfigDir   Val[string]   `vsc:"config_dir"`
	Interfaces  []*Interface  `vsc:"interface,block"`
	VLANs       []*VLAN       `vsc:"vlan,block"`
	Tables      []*Table      `vsc:"table,block"`
	Rules       []*Rule       `vsc:"rule,block"`
	Filesystems []*Filesystem `vsc:"filesystem,block"`
	DeclRange   hcl.Range
}

// Interface is an existing host link vsc may reference but never creates.
// Its addresses are the host's own, declared so that vsc can tell a guest
// address that collides with them and reach gateways through them.
type Interface struct {
	Name      Val[string] `vsc:",label"`
	Addresses Strings     `vsc:"addresses"`
	DeclRange hcl.Range
}

// VLAN is an 802.1Q link vsc creates on a parent link.
type VLAN struct {
	Name      Val[string] `vsc:",label"`
	Link      Val[string] `vsc:"link,required"`
	ID        Val[int64]  `vsc:"id,required"`
	Addresses Strings     `vsc:"addresses"`
	DeclRange hcl.Range
}

// Table is a routing table and its routes.
type Table struct {
	Name      Val[string] `vsc:",label"`
	ID        Val[int64]  `vsc:"id,required"`
	Routes    []*Route    `vsc:"route,block"`
	DeclRange hcl.Range
}

// Route is one route of a table.
type Route struct {
	To        Val[string] `vsc:"to,required"`
	Via       Val[string] `vsc:"via"`
	Dev       Val[string] `vsc:"dev"`
	DeclRange hcl.Range
}

// Rule is an ip rule choosing a table by source address.
type Rule struct {
	From Val[string] `vsc:"from,required"`
	// Table is a table's name or its number.
	Table     Val[string] `vsc:"table,required"`
	Priority  Val[int64]  `vsc:"priority"`
	DeclRange hcl.Range
}

// Filesystem is a host filesystem and the options it is mounted with.
type Filesystem struct {
	MountPoint Val[string] `vsc:",label"`
	Device     Val[string] `vsc:"device,required"`
	Type       Val[string] `vsc:"type,required"`
	Options    Strings     `vsc:"options"`
	DeclRange  hcl.Range
}

// Guest is one guest ("vserver"), with the defaults block applied. The same
// type holds the defaults block itself.
type Guest struct {
	// Name is the guest's name in messages: `web`, or `fleet["a"]` for an
	// instance of a guest with for_each. SysName is its name on the host
	// (folders, interface aliases): `web`, `fleet-a`.
	Name    string
	SysName string
	// Label is the block label as written, with its range.
	Label Val[string] `vsc:",label"`
	// Key is the for_each key of an instance, cty.NilVal otherwise.
	Key cty.Value

	Host         Val[string]       `vsc:"host"`
	Context      Val[int64]        `vsc:"context,required"`
	Hostname     Val[string]       `vsc:"hostname"`
	Root         Val[string]       `vsc:"root"`
	Nice         Val[int64]        `vsc:"nice"`
	Flags        Strings           `vsc:"flags"`
	Autostart    Val[bool]         `vsc:"autostart"`
	Build        *Build            `vsc:"build,block"`
	Interfaces   []*GuestInterface `vsc:"interface,block"`
	UTS          *UTS              `vsc:"uts,block"`
	Rlimits      *Rlimits          `vsc:"rlimits,block"`
	Sched        *Sched            `vsc:"sched,block"`
	Cpuset       *Cpuset           `vsc:"cpuset,block"`
	DiskLimit    *DiskLimit        `vsc:"disk_limit,block"`
	Mounts       []*Mount          `vsc:"mount,block"`
	Namespace    *Namespace        `vsc:"namespace,block"`
	Capabilities *Capabilities     `vsc:"capabilities,block"`
	Init         *Init             `vsc:"init,block"`
	Hooks        *Hooks            `vsc:"hooks,block"`
	Reboot       *Reboot           `vsc:"reboot,block"`
	Network      Val[string]       `vsc:"network,enum=shared|isolated"`
	Seccomp      *Seccomp          `vsc:"seccomp,block"`
	DeclRange    hcl.Range
}

// Build says how the guest's root is made.
type Build struct {
	Method       Val[string] `vsc:"method,required,enum=debootstrap|yum|template|rsync|skeleton|clone"`
	Distribution Val[string] `vsc:"distribution"`
	Mirror       Val[string] `vsc:"mirror"`
	Archive      Val[string] `vsc:"archive"`
	Source       Val[string] `vsc:"source"`
	DeclRange    hcl.Range
}

// GuestInterface is one address of the guest on a host link
// (util-vserver's interfaces/N).
type GuestInterface struct {
	Label     Val[string] `vsc:",label"`
	Dev       Val[string] `vsc:"dev,required"`
	IP        Val[string] `vsc:"ip,required"`
	Name      Val[string] `vsc:"name"`
	DeclRange hcl.Range
}

// UTS holds the names the guest sees.
type UTS struct {
	Nodename   Val[string] `vsc:"nodename"`
	Domainname Val[string] `vsc:"domainname"`
	DeclRange  hcl.Range
}

// Rlimits are resource limits; sizes are bytes.
type Rlimits struct {
	AS         Val[Limit] `vsc:"as,size"`
	Core       Val[Limit] `vsc:"core,size"`
	CPU        Val[Limit] `vsc:"cpu"`
	Data       Val[Limit] `vsc:"data,size"`
	Fsize      Val[Limit] `vsc:"fsize,size"`
	Locks      Val[Limit] `vsc:"locks"`
	Memlock    Val[Limit] `vsc:"memlock,size"`
	Msgqueue   Val[Limit] `vsc:"msgqueue,size"`
	Nice       Val[Limit] `vsc:"nice"`
	Nofile     Val[Limit] `vsc:"nofile"`
	Nproc      Val[Limit] `vsc:"nproc"`
	RSS        Val[Limit] `vsc:"rss,size"`
	Rtprio     Val[Limit] `vsc:"rtprio"`
	Rttime     Val[Limit] `vsc:"rttime"`
	Sigpending Val[Limit] `vsc:"sigpending"`
	Stack      Val[Limit] `vsc:"stack,size"`
	DeclRange  hcl.Range
}

// Sched is util-vserver's CPU token bucket.
type Sched struct {
	FillRate     Val[int64] `vsc:"fill_rate"`
	Interval     Val[int64] `vsc:"interval"`
	Tokens       Val[int64] `vsc:"tokens"`
	TokensMin    Val[int64] `vsc:"tokens_min"`
	TokensMax    Val[int64] `vsc:"tokens_max"`
	PriorityBias Val[int64] `vsc:"priority_bias"`
	DeclRange    hcl.Range
}

// Cpuset pins the guest to CPUs and memory nodes.
type Cpuset struct {
	Cpus      Val[string] `vsc:"cpus"`
	Mems      Val[string] `vsc:"mems"`
	DeclRange hcl.Range
}

// DiskLimit is util-vserver's dlimits/0.
type DiskLimit struct {
	Directory   Val[string] `vsc:"directory"`
	SpaceTotal  Val[Size]   `vsc:"space_total,size=KiB"`
	InodesTotal Val[int64]  `vsc:"inodes_total"`
	Reserved    Val[int64]  `vsc:"reserved"`
	DeclRange   hcl.Range
}

// Mount is one fstab line; the label is the target inside the guest.
type Mount struct {
	Target    Val[string] `vsc:",label"`
	Source    Val[string] `vsc:"source,required"`
	Type      Val[string] `vsc:"type,required"`
	Options   Strings     `vsc:"options"`
	DeclRange hcl.Range
}

// Namespace controls the guest's mount namespace.
type Namespace struct {
	Cleanup   Val[bool] `vsc:"cleanup"`
	DeclRange hcl.Range
}

// Capabilities adds to or drops from the guest's bounding set.
type Capabilities struct {
	Add       Strings `vsc:"add"`
	Drop      Strings `vsc:"drop"`
	DeclRange hcl.Range
}

// Seccomp adjusts the guest's default syscall filter.
type Seccomp struct {
	Allow     Strings `vsc:"allow"`
	Deny      Strings `vsc:"deny"`
	DeclRange hcl.Range
}

// Init says what runs as the guest's init.
type Init struct {
	Style     Val[string] `vsc:"style,enum=sysv|plain|fakeinit|none"`
	Runlevel  Val[int64]  `vsc:"runlevel"`
	Command   Strings     `vsc:"command,nonempty"`
	DeclRange hcl.Range
}

// Hooks are host commands run at points of the start and stop sequences.
type Hooks struct {
	Initialize  Strings `vsc:"initialize,nonempty"`
	PrepreStart Strings `vsc:"prepre_start,nonempty"`
	PreStart    Strings `vsc:"pre_start,nonempty"`
	PostStart   Strings `vsc:"post_start,nonempty"`
	PreStop     Strings `vsc:"pre_stop,nonempty"`
	PostStop    Strings `vsc:"post_stop,nonempty"`
	DeclRange   hcl.Range
}

// Reboot says what a reboot inside the guest does.
type Reboot struct {
	Action    Val[string] `vsc:"action,enum=restart|halt|none"`
	DeclRange hcl.Range
}

// NamedLimit is one rlimit with its resource name (prlimit's: nofile, as…).
type NamedLimit struct {
	Name string
	Val[Limit]
}

// SoftRange is where the soft value of the limit is written (see
// Limit.Ranges).
func (l NamedLimit) SoftRange() hcl.Range {
	soft, _ := l.V.Ranges(l.Range)
	return soft
}

// HardRange is where the hard value of the limit is written (see
// Limit.Ranges).
func (l NamedLimit) HardRange() hcl.Range {
	_, hard := l.V.Ranges(l.Range)
	return hard
}

// fields returns the limits in schema order; rlimitNames holds their
// names. Both are checked against the schema at initialisation.
func (r *Rlimits) fields() [16]*Val[Limit] {
	return [16]*Val[Limit]{&r.AS, &r.Core, &r.CPU, &r.Data, &r.Fsize, &r.Locks, &r.Memlock, &r.Msgqueue,
		&r.Nice, &r.Nofile, &r.Nproc, &r.RSS, &r.Rtprio, &r.Rttime, &r.Sigpending, &r.Stack}
}

var rlimitNames = func() (names [16]string) {
	var r Rlimits
	v := reflect.ValueOf(&r).Elem()
	fields := SchemaOf(&r).Fields
	ptrs := r.fields()
	if len(fields) != len(ptrs) {
		panic("lang: Rlimits.fields does not list every limit")
	}
	for i, f := range fields {
		if v.Field(f.index).Addr().Interface() != any(ptrs[i]) {
			panic(fmt.Sprintf("lang: Rlimits.fields lists %s out of schema order", f.Name))
		}
		names[i] = f.Name
	}
	return names
}()

// All yields the limits that are set, in schema order, named as in the
// configuration (which are prlimit's resource names).
func (r *Rlimits) All() iter.Seq[NamedLimit] {
	return func(yield func(NamedLimit) bool) {
		for i, l := range r.fields() {
			if l.Set && !yield(NamedLimit{rlimitNames[i], *l}) {
				return
			}
		}
	}
}

// Limits returns the limits that are set, in schema order, named as in the
// configuration (which are prlimit's resource names).
func (r *Rlimits) Limits() []NamedLimit {
	return slices.Collect(r.All())
}
