package ir

import (
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// KindInfo is one row of the registry: everything vsc knows about an op
// kind besides its fields, which its struct declares.
type KindInfo struct {
	Kind Kind

	// New returns a zero body of the kind, for decoders.
	New func() Body

	// HostState is true for persistent kernel objects (links, addresses,
	// routes, rules, mounts, project ids, quotas), which the executor
	// diffs against the live host; false for the steps of a guest's
	// start sequence, which are run in order.
	HostState bool

	// Inverse names what undoes the op, as the executor's teardown will
	// do it; "" when nothing does (a hook's effects are its own).
	Inverse string

	// Claims returns the keys of the objects the op creates or reserves,
	// like "addr:10.7.0.2" or "context:300". Two ops claiming one key
	// conflict when they have different owners or the same kind; so a
	// guest's projid.set and quota.set may share its project id, but two
	// guests may not, and nothing is created twice.
	Claims func(Body) []string
}

// registry is the table of op kinds, in the order Kinds returns them:
// host state first, then the guest start sequence in the order of the
// domain (build, namespaces, hooks, mounts, limits, names, init).
var registry = []KindInfo{
	{New: newBody[LinkAdd], HostState: true, Inverse: "link.del",
		Claims: claims(func(b *LinkAdd) []string { return []string{"link:" + b.Name} })},
	{New: newBody[AddrAdd], HostState: true, Inverse: "addr.del",
		Claims: claims(func(b *AddrAdd) []string {
			keys := []string{"addr:" + addrKey(b.Address)}
			if b.Label != "" && b.Label != b.Dev {
				// An alias label (DEV:NAME) names one address; a bare DEV
				// label is the link's own and may repeat. A label starts
				// with its dev name, so the key is per dev.
				keys = append(keys, "label:"+b.Label)
			}
			return keys
		})},
	{New: newBody[RouteAdd], HostState: true, Inverse: "route.del",
		Claims: claims(func(b *RouteAdd) []string {
			return []string{"route:" + strconv.Itoa(b.Table) + ":" + routeDstKey(b)}
		})},
	{New: newBody[RuleAdd], HostState: true, Inverse: "rule.del",
		Claims: claims(func(b *RuleAdd) []string { return []string{"prio:" + strconv.Itoa(b.Priority)} })},
	{New: newBody[Mount], HostState: true, Inverse: "umount",
		Claims: claims(func(b *Mount) []string { return []string{"mount:" + b.Target} })},
	{New: newBody[ProjidSet], HostState: true, Inverse: "projid.set (previous id)",
		Claims: claims(func(b *ProjidSet) []string { return []string{projidKey(b.ID)} })},
	{New: newBody[QuotaSet], HostState: true, Inverse: "quota.set (previous limits)",
		Claims: claims(func(b *QuotaSet) []string { return []string{projidKey(b.ID)} })},

	// Stopping a guest keeps its root; only deleting the guest removes it.
	{New: newBody[GuestBuild], Inverse: "guest.remove",
		Claims: claims(func(b *GuestBuild) []string { return []string{"root:" + b.Root} })},
	{New: newBody[NsNew], Inverse: "ns.del",
		Claims: claims(func(b *NsNew) []string { return []string{contextKey(b.Context)} })},
	{New: newBody[HookRun], Inverse: "",
		Claims: claims(func(*HookRun) []string { return nil })}, // a hook may run twice
	// The walls' steps end with the guest's namespaces (its /dev and
	// masks with its mount namespace), its cgroup (the socket hooks) or
	// its network namespace (the veth pair).
	{New: newBody[GuestDev], Inverse: "ns.del",
		Claims: claims(func(b *GuestDev) []string { return []string{"guest.mount:" + b.Guest + ":/dev"} })},
	{New: newBody[GuestMount], Inverse: "guest.umount",
		Claims: claims(func(b *GuestMount) []string { return []string{"guest.mount:" + b.Guest + ":" + b.Target} })},
	{New: newBody[GuestMask], Inverse: "ns.del",
		Claims: claims(func(b *GuestMask) []string { return []string{"mask:" + b.Guest} })},
	{New: newBody[CgroupSet], Inverse: "cgroup.del",
		Claims: claims(func(b *CgroupSet) []string { return []string{contextKey(b.Context)} })},
	{New: newBody[NetConfine], Inverse: "cgroup.del",
		Claims: claims(func(b *NetConfine) []string { return []string{"net:" + b.Guest} })},
	{New: newBody[VethAdd], Inverse: "veth.del",
		Claims: claims(func(b *VethAdd) []string { return append(vethClaims(b), "net:"+b.Guest) })},
	// Limits, names and capabilities belong to the guest's processes and
	// namespaces: they end with them.
	{New: newBody[RlimitSet], Inverse: "ns.del",
		Claims: claims(func(b *RlimitSet) []string { return []string{"rlimit:" + b.Guest + ":" + b.Resource} })},
	{New: newBody[UTSSet], Inverse: "ns.del",
		Claims: claims(func(b *UTSSet) []string { return []string{"uts:" + b.Guest} })},
	{New: newBody[CapsDrop], Inverse: "ns.del",
		Claims: claims(func(b *CapsDrop) []string { return []string{"caps:" + b.Guest} })},
	{New: newBody[SeccompSet], Inverse: "ns.del",
		Claims: claims(func(b *SeccompSet) []string { return []string{"seccomp:" + b.Guest} })},
	{New: newBody[InitExec], Inverse: "init.stop",
		Claims: claims(func(b *InitExec) []string { return []string{"init:" + b.Guest} })},
}

// kindEntry is a registry row with what the package derives from it.
type kindEntry struct {
	KindInfo
	typ    reflect.Type // the body struct
	fields []field
}

// index is what the package derives from the registry, made when it is
// first needed rather than at every start of vsc's processes (a guest's
// init and vsc exec never decode a plan of their own).
var index = sync.OnceValue(func() *registryIndex {
	x := &registryIndex{kinds: map[Kind]*kindEntry{}, byName: map[string]*kindEntry{}, keys: map[string]string{}}
	for _, k := range append([]string{"format_version", "host", "source", "source_digest", "observed_digest", "ops"}, opHeaderKeys...) {
		x.keys[k] = k
	}
	for i := range registry {
		info := registry[i]
		info.Kind = info.New().Kind()
		if _, dup := x.kinds[info.Kind]; dup {
			panic(fmt.Sprintf("ir: kind %s registered twice", info.Kind))
		}
		t := reflect.TypeOf(info.New()).Elem()
		e := &kindEntry{KindInfo: info, typ: t, fields: bodyFields(t)}
		x.kinds[info.Kind] = e
		x.rows = append(x.rows, info)
		// The decoder's lookups by bytes: kinds and keys by plain string,
		// which a map lookup converts from bytes without allocating.
		x.byName[string(e.Kind)] = e
		for _, f := range e.fields {
			x.keys[f.name] = f.name
		}
	}
	return x
})

type registryIndex struct {
	rows   []KindInfo            // the registry with each row's Kind
	kinds  map[Kind]*kindEntry   // by kind
	byName map[string]*kindEntry // by kind, as a plain string
	keys   map[string]string     // every key of a plan, an op header and a body
}

// Kinds returns the registry, one row per op kind, in a stable order.
func Kinds() []KindInfo {
	rows := index().rows
	out := make([]KindInfo, len(rows))
	copy(out, rows)
	return out
}

// Lookup returns the registry row of kind.
func Lookup(kind Kind) (KindInfo, bool) {
	e := lookup(kind)
	if e == nil {
		return KindInfo{}, false
	}
	return e.KindInfo, true
}

func lookup(kind Kind) *kindEntry { return index().kinds[kind] }

// newBody is the constructor of a registry row.
func newBody[T any, P interface {
	*T
	Body
}]() Body {
	return P(new(T))
}

// claims adapts a claims function written for one body type to the
// registry's func(Body). A body of another type claims nothing.
func claims[P Body](f func(P) []string) func(Body) []string {
	return func(b Body) []string {
		p, ok := b.(P)
		if !ok {
			return nil
		}
		if _, ok := bodyValue(p); !ok {
			return nil
		}
		return f(p)
	}
}

// addrKey is the claim key of an address: the address alone, since one
// address may not be added twice whatever its prefix length.
func addrKey(cidr string) string {
	if p, err := netip.ParsePrefix(cidr); err == nil {
		return p.Addr().String()
	}
	return cidr // malformed: Verify reports it; keep the claim anyway
}

// prefixKey is the claim key of a route destination, normalized so that
// one route written two ways is still one claim.
// routeDstKey is a route's destination as a claim: "default" is the
// default route of the family of its gateway (IPv4 without one), so a
// table may hold an IPv4 and an IPv6 default route, and "default" and
// "0.0.0.0/0" are one destination.
func routeDstKey(b *RouteAdd) string {
	if b.To == "default" {
		if strings.Contains(b.Via, ":") {
			return "::/0"
		}
		return "0.0.0.0/0"
	}
	return prefixKey(b.To)
}

func prefixKey(to string) string {
	if p, err := netip.ParsePrefix(to); err == nil {
		return p.Masked().String()
	}
	return to // "default", or malformed
}

func projidKey(id uint32) string { return "projid:" + strconv.FormatUint(uint64(id), 10) }
func contextKey(ctx int) string  { return "context:" + strconv.Itoa(ctx) }
