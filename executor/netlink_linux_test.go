package executor

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"vsc/ir"
)

// The requests vsc builds make the objects vishvananda/netlink made for
// the same ops, attribute for attribute as `ip -j -d` reads them: the same
// bodies go through vsc into one namespace and through vishvananda's
// RouteAdd, RuleAdd and AddrAdd, as vsc called them before, into another.
func TestRequestsAsVishvananda(t *testing.T) {
	bodies := []ir.Body{
		&ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"},
		&ir.AddrAdd{Dev: "eth1", Address: "198.51.100.7/31"},
		&ir.AddrAdd{Dev: "eth1", Address: "203.0.113.9/32", Label: "eth1:x"},
		&ir.AddrAdd{Dev: "eth0", Address: "10.9.8.7/8", Label: "eth0:big"},
		&ir.AddrAdd{Dev: "eth1", Address: "2001:db8:9::5/64"},
		&ir.RouteAdd{Table: 7, To: "198.51.100.0/24", Dev: "eth1"},
		&ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.1"},
		&ir.RouteAdd{Table: 1000, To: "203.0.113.0/24", Via: "10.8.0.1", Dev: "eth1"},
		&ir.RouteAdd{Table: 1000, To: "10.100.0.0/16", Dev: "eth0"},
		&ir.RouteAdd{Table: 7, To: "2001:db8:100::/48", Via: "2001:db8:7::1", Dev: "eth0"},
		&ir.RouteAdd{Table: 1000, To: "2001:db8:200::/48", Dev: "eth1"},
		&ir.RuleAdd{From: "10.7.0.0/16", Table: 7, Priority: 1007},
		&ir.RuleAdd{From: "0.0.0.0/0", Table: 1000, Priority: 1010},
		&ir.RuleAdd{From: "10.7.3.4/32", Table: 255, Priority: 1011},
		&ir.RuleAdd{From: "2001:db8:7::/48", Table: 7, Priority: 1107},
		&ir.RuleAdd{From: "::/0", Table: 1000, Priority: 1110},
	}
	ours, theirs := routeSandbox(t), routeSandbox(t)
	for _, s := range []*sandbox{ours, theirs} {
		// No duplicate address detection: an IPv6 address would be
		// tentative for a second, and its local route missing, in one
		// namespace and not in the other.
		runCmd(t, "ip", "netns", "exec", s.ns, "sh", "-c", "echo 0 >/proc/sys/net/ipv6/conf/eth1/accept_dad")
	}
	empty := ours.objects()
	p := testPlan(t, bodies...)
	if _, err := Apply(p, ours.options()); err != nil {
		t.Fatal(err)
	}
	o := theirs.options()
	h, err := openHost("test", &o)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	for _, b := range bodies {
		if err := vishvanandaAdd(h, b); err != nil {
			t.Fatalf("vishvananda/netlink: %s: %v", ir.BodyText(b), err)
		}
	}
	if diff := cmp.Diff(theirs.objects(), ours.objects()); diff != "" {
		t.Fatalf("vsc's requests made other objects than vishvananda/netlink's (-vishvananda +vsc):\n%s", diff)
	}
	if _, err := Destroy(p, ours.options()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(empty, ours.objects()); diff != "" {
		t.Fatalf("destroy left objects behind (-before +after):\n%s", diff)
	}
}

// objects is what `ip -j -d` shows of the sandbox's addresses, rules, and
// routes of tables 7, 1000, main and local — but the IPv6 link-local
// ones, which come from each namespace's random MACs, and the multicast
// routes, which the kernel lists in the order the links came up.
func (s *sandbox) objects() map[string]any {
	s.t.Helper()
	out := map[string]any{}
	for try := 0; ; try++ {
		tentative := false
		for _, l := range s.ipJSON("-d", "addr", "show") {
			var infos []any
			for _, i := range l["addr_info"].([]any) {
				a := i.(map[string]any)
				if a["scope"] == "link" {
					continue
				}
				tentative = tentative || a["tentative"] == true
				infos = append(infos, a)
			}
			out["addr "+fmt.Sprint(l["ifname"])] = infos
		}
		if !tentative || try == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond) // duplicate address detection
	}
	for _, fam := range []string{"-4", "-6"} {
		out["rule "+fam] = s.ipJSON(fam, "-d", "rule", "show")
		for _, table := range []string{"7", "1000", "main", "local"} {
			var keep []map[string]any
			for _, r := range s.ipRouteJSON(fam, table) {
				if dst := fmt.Sprint(r["dst"]); !strings.HasPrefix(dst, "fe80:") && dst != "ff00::/8" {
					keep = append(keep, r)
				}
			}
			out["route "+fam+" "+table] = keep
		}
	}
	return out
}

// ipRouteJSON is `ip -j -d FAMILY route show table TABLE`, none for a
// table the kernel has never had.
func (s *sandbox) ipRouteJSON(family, table string) []map[string]any {
	s.t.Helper()
	args := []string{"-j", "-d", "-n", s.ns, family, "route", "show", "table", table}
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "FIB table does not exist") {
			return nil
		}
		s.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var v []map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		s.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

// vishvanandaAdd makes an object as vsc made it up to now, through
// vishvananda/netlink's handle.
func vishvanandaAdd(h *Host, b ir.Body) error {
	switch b := b.(type) {
	case *ir.RouteAdd:
		dst, err := routeDst(b)
		if err != nil {
			return err
		}
		rt := &netlink.Route{
			Table:    b.Table,
			Protocol: vscProtocol,
			Dst:      &net.IPNet{IP: dst.Addr().AsSlice(), Mask: net.CIDRMask(dst.Bits(), dst.Addr().BitLen())},
		}
		if b.Via != "" {
			rt.Gw = netip.MustParseAddr(b.Via).AsSlice()
		} else {
			rt.Scope = netlink.SCOPE_LINK
		}
		if b.Dev != "" {
			l, err := h.link(b.Dev)
			if err != nil {
				return err
			}
			rt.LinkIndex = l.Attrs().Index
		}
		return h.nl.RouteAdd(rt)
	case *ir.RuleAdd:
		from := netip.MustParsePrefix(b.From)
		r := netlink.NewRule()
		r.Priority, r.Table, r.Protocol = b.Priority, b.Table, vscProtocol
		r.Family = netlink.FAMILY_V4
		if from.Addr().Is6() {
			r.Family = netlink.FAMILY_V6
		}
		if from.Bits() > 0 {
			r.Src = &net.IPNet{IP: from.Addr().AsSlice(), Mask: net.CIDRMask(from.Bits(), from.Addr().BitLen())}
		}
		return h.nl.RuleAdd(r)
	case *ir.AddrAdd:
		l, err := h.link(b.Dev)
		if err != nil {
			return err
		}
		ip, ipnet, err := net.ParseCIDR(b.Address)
		if err != nil {
			return err
		}
		ipnet.IP = ip
		return h.nl.AddrAdd(l, &netlink.Addr{IPNet: ipnet, Label: labelOf(b)})
	}
	return fmt.Errorf("no request for %s", b.Kind())
}

// The kernel refuses a route in the middle of a batch, with its own
// words: the steps before it and those after it in its batch (which the
// kernel did too) are rolled back, nothing after the batch is attempted,
// the error names the route, and the host ends as it was.
func TestKernelRefusesMidBatch(t *testing.T) {
	s := routeSandbox(t)
	base := testPlan(t,
		&ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.1"},
		&ir.RuleAdd{From: "10.7.0.10/32", Table: 7, Priority: 1007},
	)
	if _, err := Apply(base, s.options()); err != nil {
		t.Fatal(err)
	}
	// The gateway is on eth0's network, so the precheck lets the route
	// pass, but the kernel will not reach it through eth1.
	bad := &ir.RouteAdd{Table: 9, To: "203.0.113.0/24", Via: "10.7.0.1", Dev: "eth1"}
	bodies := []ir.Body{
		&ir.AddrAdd{Dev: "eth0", Address: "10.7.0.12/16", Label: "eth0:a"},
		&ir.RouteAdd{Table: 7, To: "default", Via: "10.7.0.3"}, // replaced
	}
	bodies = append(bodies, devRoutes(8, 200)...)
	bodies = append(bodies, bad)
	bodies = append(bodies, devRoutes(10, 50)...)
	bodies = append(bodies,
		&ir.RuleAdd{From: "10.7.0.12/32", Table: 7, Priority: 1007}, // replaced
		&ir.RuleAdd{From: "198.51.100.0/24", Table: 9, Priority: 1009},
	)
	next := testPlan(t, bodies...)
	var review strings.Builder
	dry := s.options()
	dry.DryRun, dry.Out = true, &review
	res, err := Apply(next, dry)
	if err != nil {
		t.Fatal(err)
	}
	// 1 + 2 + 200 steps before the bad route (index 203), 50 + 2 + 1
	// after it: batches [0,128) [128,256) [256,257).
	if counts(res) != (Result{Added: 253, Changed: 2}) {
		t.Fatalf("the run would be %+v", res)
	}
	tables := []int{7, 8, 9, 10}
	before := s.netState(tables...)
	var out strings.Builder
	o := s.options()
	o.Out = &out
	_, err = Apply(next, o)
	if err == nil {
		t.Fatal("the kernel took a route through a link that does not reach its gateway")
	}
	t.Log(err)
	for _, want := range []string{
		"cannot create " + ir.BodyText(bad) + " (host, test.vsc.hcl:203:1): ",
		"Nexthop has invalid gateway", // the kernel's own words
		"the kernel needs a connected route to gateway 10.7.0.1",
		// The 203 steps before it, and the 52 after it in its batch, the
		// last two of which replaced rule 1007.
		"Rolled back 255 change(s), in reverse order:\n  removed again rule.add from=10.7.0.12/32 table=7 priority=1007\n  restored rule.add from=10.7.0.10/32 table=7 priority=1007\n  removed again route.add table=10 to=10.10.0.196/30 dev=eth0\n",
		"\n  restored route.add table=7 to=default via=10.7.0.1 dev=eth0\n  removed again addr.add dev=eth0 address=10.7.0.12/16 label=eth0:a\nThe host is as it was before this run.",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q:\n%v", want, err)
		}
	}
	if diff := cmp.Diff(before, s.netState(tables...)); diff != "" {
		t.Fatalf("the refused run left the host changed (-before +after):\n%s", diff)
	}
	// The review shows the changes done before the refused one, as a
	// review of the whole run would.
	lines := strings.SplitAfter(review.String(), "\n")
	cut := 0
	for i, l := range lines {
		if strings.Contains(l, ir.BodyText(bad)+" ") {
			cut = i
		}
	}
	if want := strings.Join(lines[:cut], ""); out.String() != want {
		t.Errorf("the run's review lines are not those of the changes before the refused one:\n%s\nwant:\n%s", out.String(), want)
	}
	// The record is as it was: the plan without the bad route converges.
	var ok []ir.Body
	for _, op := range next.Ops {
		if op.Body != bad {
			ok = append(ok, op.Body)
		}
	}
	if res, err := Apply(testPlan(t, ok...), s.options()); err != nil || counts(res) != (Result{Added: 252, Changed: 2}) {
		t.Fatalf("apply without the bad route: %+v %v", res, err)
	}
}

// The kernel's words reach the error of a run of one step too.
func TestKernelWordsAlone(t *testing.T) {
	s := routeSandbox(t)
	bad := &ir.RouteAdd{Table: 9, To: "203.0.113.0/24", Via: "10.7.0.1", Dev: "eth1"}
	_, err := Apply(testPlan(t, bad), s.options())
	if err == nil || !strings.Contains(err.Error(), ": Network is unreachable (ENETUNREACH: Nexthop has invalid gateway: the kernel needs") ||
		!strings.Contains(err.Error(), "Nothing had been changed before it.") {
		t.Fatalf("want the kernel's words, got %v", err)
	}
}

// devRoutes are n dev-only routes of table t on eth0.
func devRoutes(t, n int) []ir.Body {
	var out []ir.Body
	for i := 0; i < n; i++ {
		out = append(out, &ir.RouteAdd{Table: t, To: fmt.Sprintf("10.%d.%d.%d/30", t, i/64, (i%64)*4), Dev: "eth0"})
	}
	return out
}

// Fault injection keeps its meaning across batches: steps before k done
// (and rolled back), step k fails, nothing after it attempted.
func TestFaultAcrossBatches(t *testing.T) {
	s := routeSandbox(t)
	p := testPlan(t, append(devRoutes(8, 300), &ir.RuleAdd{From: "10.8.0.0/16", Table: 8, Priority: 1008})...)
	before := s.netState(8)
	for _, k := range []int{0, 1, 127, 128, 129, 255, 256, 300} {
		o := s.options()
		o.FailAt = &k
		_, err := Apply(p, o)
		if err == nil || !strings.Contains(err.Error(), "injected") {
			t.Fatalf("step %d: want the injected failure, got %v", k, err)
		}
		want := "Nothing had been changed before it."
		if k > 0 {
			want = fmt.Sprintf("Rolled back %d change(s)", k)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("step %d: the error does not say %q:\n%.300s", k, want, err)
		}
		if diff := cmp.Diff(before, s.netState(8)); diff != "" {
			t.Fatalf("failure at step %d left the host changed (-before +after):\n%s", k, diff)
		}
	}
	if res, err := Apply(p, s.options()); err != nil || counts(res) != (Result{Added: 301}) {
		t.Fatalf("the real run: %+v %v", res, err)
	}
	if got := len(s.ipRoutes(8)); got != 300 {
		t.Fatalf("table 8 holds %d routes, want 300", got)
	}
}

// ackError reads the kernel's answers, capped or not, with its words or
// without.
func TestAckError(t *testing.T) {
	req := newMsg(unix.RTM_NEWROUTE, unix.NLM_F_CREATE, unix.SizeofRtMsg).u32(unix.RTA_OIF, 3).bytes()
	ack := func(code int32, flags uint16, echo []byte, attrs msg) []byte {
		m := newMsg(unix.NLMSG_ERROR, 0, 0)
		ne.PutUint16(m[6:], flags)
		m = ne.AppendUint32(m, uint32(code))
		m = append(m, echo...)
		m = append(m, attrs...)
		return m.bytes()
	}
	words := msg(nil).str(unix.NLMSGERR_ATTR_MSG, "Nexthop has invalid gateway").u32(unix.NLMSGERR_ATTR_OFFS, 20)
	for _, tc := range []struct {
		name string
		m    []byte
		want string
	}{
		{"ack", ack(0, 0, req[:unix.NLMSG_HDRLEN], nil), ""},
		{"bare", ack(-int32(unix.EEXIST), 0, req, nil), "file exists"},
		{"capped", ack(-int32(unix.ENETUNREACH), unix.NLM_F_CAPPED|unix.NLM_F_ACK_TLVS, req[:unix.NLMSG_HDRLEN], words),
			"network is unreachable: Nexthop has invalid gateway"},
		{"echoed", ack(-int32(unix.ENETUNREACH), unix.NLM_F_ACK_TLVS, req, words),
			"network is unreachable: Nexthop has invalid gateway"},
	} {
		err := ackError(tc.m)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	err := ackError(ack(-int32(unix.ENETUNREACH), unix.NLM_F_CAPPED|unix.NLM_F_ACK_TLVS, req[:unix.NLMSG_HDRLEN], words))
	if !errors.Is(err, unix.ENETUNREACH) {
		t.Errorf("%v is not ENETUNREACH", err)
	}
}

func TestKernelWords(t *testing.T) {
	refused := &kernelError{errno: unix.ENETUNREACH, words: "Nexthop has invalid gateway"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{unix.EEXIST, "File exists (EEXIST)"},
		{&kernelError{errno: unix.EEXIST}, "File exists (EEXIST)"},
		{refused, "Network is unreachable (ENETUNREACH: Nexthop has invalid gateway)"},
		{fmt.Errorf("%w: look at the gateway", refused), "Network is unreachable (ENETUNREACH: Nexthop has invalid gateway: look at the gateway)"},
		{fmt.Errorf("link %q: %w", "eth9", unix.ENODEV), `No such device (ENODEV: link "eth9": no such device)`},
		{errors.New("plain"), "plain"},
	} {
		if got := kernelWords(tc.err); got != tc.want {
			t.Errorf("kernelWords(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// A dump reads every answer of a table, and an answer with the kernel's
// error.
func TestDumpRoutes(t *testing.T) {
	s := routeSandbox(t)
	var batch strings.Builder
	for i := 0; i < 700; i++ { // several datagrams
		fmt.Fprintf(&batch, "route add 10.50.%d.%d/32 dev eth0 table 50\n", i/250, i%250)
	}
	file := filepath.Join(t.TempDir(), "routes")
	if err := os.WriteFile(file, []byte(batch.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	s.ip("-batch", file)
	o := s.options()
	h, err := openHost("test", &o)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	n := 0
	req := newMsg(unix.RTM_GETROUTE, 0, unix.SizeofRtMsg)
	req.fixed()[0] = unix.AF_INET
	req = req.u32(unix.RTA_TABLE, 50)
	if err := h.rt.dump(req.bytes(), unix.RTM_NEWROUTE, func([]byte) { n++ }); err != nil {
		t.Fatal(err)
	}
	if n != 700 {
		t.Errorf("%d routes dumped, want 700", n)
	}
}

// vsc's own reading of route dumps gives the bodies, keys and marks that
// vishvananda/netlink's full reading gave, for routes of every shape a
// table may hold: vsc's and others', gateways and devs, blackholes,
// multipath, IPv6, an IPv6 gateway of an IPv4 route, large tables.
func TestObserveRoutesAsVishvananda(t *testing.T) {
	s := routeSandbox(t)
	for _, r := range [][]string{
		{"10.60.0.0/24", "dev", "eth0", "table", "7", "proto", "118"},
		{"default", "via", "10.7.0.1", "table", "7", "proto", "118"},
		{"10.61.0.0/24", "via", "10.8.0.1", "dev", "eth1", "table", "7"},
		{"blackhole", "10.62.0.0/24", "table", "7", "proto", "118"},
		{"unreachable", "10.63.0.0/24", "table", "7"},
		{"10.64.0.0/24", "table", "7", "nexthop", "via", "10.7.0.1", "nexthop", "via", "10.8.0.1"},
		{"10.65.0.0/24", "via", "inet6", "2001:db8:7::1", "dev", "eth0", "table", "7"},
		{"10.66.0.0/24", "dev", "eth0", "table", "7", "metric", "5", "tos", "0x10"},
		{"default", "via", "2001:db8:7::1", "table", "7", "proto", "118"},
		{"2001:db8:100::/48", "dev", "eth1", "table", "7"},
		{"10.67.0.0/24", "dev", "eth1", "table", "100000", "proto", "118"},
		{"2001:db8:200::/48", "via", "2001:db8:7::1", "table", "100000"},
	} {
		s.ip(append([]string{"route", "add"}, r...)...)
	}
	o := s.options()
	h, err := openHost("test", &o)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	names, err := linkNames(h)
	if err != nil {
		t.Fatal(err)
	}
	nsh, err := netns.GetFromName(s.ns)
	if err != nil {
		t.Fatal(err)
	}
	defer nsh.Close()
	nl, err := netlink.NewHandleAt(nsh, unix.NETLINK_ROUTE) // only what vsc opens (a kernel may lack XFRM)
	if err != nil {
		t.Fatal(err)
	}
	defer nl.Close()
	nl.SetStrictCheck(true)
	for _, table := range []int{7, 100000, 254} {
		for _, family := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
			var want, got []string
			theirs, err := nl.RouteListFiltered(family, &netlink.Route{Table: table}, netlink.RT_FILTER_TABLE)
			if err != nil {
				t.Fatal(err)
			}
			for _, rt := range theirs {
				k, b := vishvanandaRouteBody(rt, names)
				want = append(want, fmt.Sprintf("%s %s %v", k, ir.BodyText(b), rt.Protocol == vscProtocol))
			}
			ours, err := listTable(h, table, family)
			if err != nil {
				t.Fatal(err)
			}
			for _, rt := range ours {
				k, b := routeBody(rt, names)
				got = append(got, fmt.Sprintf("%s %s %v", k, ir.BodyText(b), rt.protocol == vscProtocol))
			}
			if len(want) == 0 {
				t.Fatalf("table %d family %d: no route to compare", table, family)
			}
			if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
				t.Errorf("table %d family %d (-vishvananda +vsc):\n%s", table, family, diff)
			}
		}
	}
}

// vishvanandaRouteBody is routeBody as vsc wrote it on vishvananda's
// routes.
func vishvanandaRouteBody(rt netlink.Route, names map[int]string) (string, *ir.RouteAdd) {
	dst, _ := prefixOf(rt.Dst, rt.Family)
	dst = dst.Masked()
	body := &ir.RouteAdd{Table: rt.Table, To: dstKey(dst)}
	if rt.Type == unix.RTN_UNICAST && len(rt.MultiPath) == 0 {
		if a, ok := netip.AddrFromSlice(rt.Gw); ok {
			body.Via = a.Unmap().String()
		} else if v, ok := rt.Via.(*netlink.Via); ok {
			body.Via = v.Addr.String()
		}
		if rt.LinkIndex > 0 {
			body.Dev = names[rt.LinkIndex]
			if body.Dev == "" {
				body.Dev = fmt.Sprintf("if%d", rt.LinkIndex)
			}
		}
	}
	return routeKey(rt.Table, dst), body
}
