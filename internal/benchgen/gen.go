// Package benchgen writes large, realistic vsc configurations for
// benchmarks: hosts with interfaces, VLANs, routing tables, rules and a
// tagged filesystem; a defaults block; and any number of guests spread
// over several files. A generated configuration checks with no error and
// no warning, so that a benchmark measures the work of a clean check.
//
// It is shared by `make bench` (internal/bench) and the Go benchmarks of
// package compiler.
package benchgen

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/json"
)

// Bounds the generator keeps to, so that the configuration stays valid.
const (
	// MinContext and MaxContext are the static context ids a guest may
	// have (compiler.MinContext..MaxContext); contexts are unique per host.
	MinContext = 2
	MaxContext = 49151
	// MaxGuestsPerHost is how many guests one host takes at most: one
	// per static context.
	MaxGuestsPerHost = MaxContext - MinContext + 1
	// VLANsPerHost is the number of VLANs (each with its table, its rule
	// and its own subnet) of every host.
	VLANsPerHost = 4
	// MaxHosts is how many hosts the generator has addresses for: each
	// host's eth0 and eth1 get a /24 of 10.0.0.0/12 and 172.16.0.0/12.
	MaxHosts = 4096
	// firstVLAN is the id of the first VLAN of a host.
	firstVLAN = 10
)

// The VLANs' subnets split 10.16.0.0 … 10.255.255.255 (240 /16s) into
// equal blocks, /16 each while there are at most 60 hosts, smaller ones
// (/17, /18, …) for more hosts.
const (
	vlanSpaceStart = 10<<24 | 16<<16
	vlanSpace16s   = 240
)

// Options say what to generate.
type Options struct {
	// Guests is the number of guests.
	Guests int
	// GuestsPerFile is how many guests each guests-NNNN.vsc.hcl holds;
	// 1,000 when 0.
	GuestsPerFile int
	// GuestsPerHost is how many guests each host takes before the next
	// host is used; MaxGuestsPerHost (49,150) when 0, and never more.
	// Below VLANsPerHost, some VLANs of a host have no guest, and their
	// rules a rule-unused warning.
	GuestsPerHost int
}

func (o Options) normalized() (Options, error) {
	if o.Guests < 0 {
		return o, fmt.Errorf("benchgen: %d guests", o.Guests)
	}
	if o.GuestsPerFile <= 0 {
		o.GuestsPerFile = 1000
	}
	if o.GuestsPerHost <= 0 || o.GuestsPerHost > MaxGuestsPerHost {
		o.GuestsPerHost = MaxGuestsPerHost
	}
	hosts := o.Hosts()
	if hosts > MaxHosts {
		return o, fmt.Errorf("benchgen: %d guests need %d hosts, more than the %d the generator has addresses for", o.Guests, hosts, MaxHosts)
	}
	perVLAN := (min(o.GuestsPerHost, o.Guests) + VLANsPerHost - 1) / VLANsPerHost
	if room := 1<<(32-vlanBits(hosts)) - 3; perVLAN > room {
		return o, fmt.Errorf("benchgen: %d guests on each of %d hosts need %d addresses per VLAN, more than the %d a /%d of 10.0.0.0/8 holds", o.GuestsPerHost, hosts, perVLAN, room, vlanBits(hosts))
	}
	return o, nil
}

// vlanBits is the prefix length of each VLAN's subnet on a configuration
// of that many hosts: the shortest that leaves a block for every VLAN.
func vlanBits(hosts int) int {
	bits := 16
	for vlanSpace16s<<(bits-16) < hosts*VLANsPerHost {
		bits++
	}
	return bits
}

// Hosts is the number of hosts the guests are spread over.
func (o Options) Hosts() int {
	per := o.GuestsPerHost
	if per <= 0 || per > MaxGuestsPerHost {
		per = MaxGuestsPerHost
	}
	if o.Guests == 0 {
		return 1
	}
	return (o.Guests + per - 1) / per
}

// Stats describe what Write wrote.
type Stats struct {
	Files int
	Bytes int64
	Hosts int
}

// Write writes a configuration into dir (created if need be): hosts.vsc.hcl,
// defaults.vsc.hcl and guests-0001.vsc.hcl, … It replaces files of those
// names and leaves other files alone.
func Write(dir string, opts Options) (Stats, error) {
	o, err := opts.normalized()
	if err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, err
	}
	var st Stats
	st.Hosts = o.Hosts()
	write := func(name string, fill func(w *bufio.Writer)) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<16)
		fill(w)
		if err := w.Flush(); err != nil {
			f.Close()
			return err
		}
		if fi, err := f.Stat(); err == nil {
			st.Bytes += fi.Size()
		}
		st.Files++
		return f.Close()
	}
	if err := write("hosts.vsc.hcl", func(w *bufio.Writer) {
		fmt.Fprintf(w, "# %d hosts for %d generated guests.\n", st.Hosts, o.Guests)
		for h := 0; h < st.Hosts; h++ {
			writeHost(w, st.Hosts, h)
		}
	}); err != nil {
		return st, err
	}
	if err := write("defaults.vsc.hcl", writeDefaults); err != nil {
		return st, err
	}
	for first, n := 0, 1; first < o.Guests; first, n = first+o.GuestsPerFile, n+1 {
		last := min(first+o.GuestsPerFile, o.Guests)
		if err := write(fmt.Sprintf("guests-%04d.vsc.hcl", n), func(w *bufio.Writer) {
			fmt.Fprintf(w, "# Generated guests %d to %d.\n", first+1, last)
			for i := first; i < last; i++ {
				writeGuest(w, o, st.Hosts, i)
			}
		}); err != nil {
			return st, err
		}
	}
	return st, nil
}

// HostName is the name of host h (0-based).
func HostName(h int) string { return fmt.Sprintf("srv%d", h+1) }

// vlanNet is the subnet of VLAN v of host h on a configuration of hosts
// hosts: its rule's network and its guests' (from its third address on;
// its first is its gateway).
func vlanNet(hosts, h, v int) netip.Prefix {
	bits := vlanBits(hosts)
	return netip.PrefixFrom(addr4(vlanSpaceStart+uint32(h*VLANsPerHost+v)<<(32-bits)), bits)
}

// nth is the address n after the start of p.
func nth(p netip.Prefix, n int) netip.Addr {
	return addr4(ipv4(p.Addr()) + uint32(n))
}

func addr4(x uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
}

func ipv4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func writeHost(w *bufio.Writer, hosts, h int) {
	name := HostName(h)
	fmt.Fprintf(w, `
host %q {
  vservers_dir = "/var/lib/vservers"
  config_dir   = "/etc/vservers"

  interface "eth0" {
    addresses = ["10.%d.%d.10/24"]
  }

  interface "eth1" {
    addresses = ["172.%d.%d.10/24", "fd00:%x::10/64"]
  }

  interface "lo" {
    addresses = ["127.0.0.1/8"]
  }
`, name, h>>8, h&0xff, 16+h>>8, h&0xff, h+1)
	for v := 0; v < VLANsPerHost; v++ {
		id := firstVLAN + v
		fmt.Fprintf(w, `
  vlan "eth0.%d" {
    link = "eth0"
    id   = %d
  }
`, id, id)
	}
	for v := 0; v < VLANsPerHost; v++ {
		id, s := firstVLAN+v, vlanNet(hosts, h, v)
		fmt.Fprintf(w, `
  table "vlan%d" {
    id = %d
    route {
      to  = "%s"
      dev = "eth0.%d"
    }
    route {
      to  = "default"
      via = "%s"
    }
  }
`, id, id, s, id, nth(s, 1))
	}
	for v := 0; v < VLANsPerHost; v++ {
		id, s := firstVLAN+v, vlanNet(hosts, h, v)
		if v%2 == 0 {
			// An explicit priority on every other rule, the others left to vsc.
			fmt.Fprintf(w, `
  rule {
    from     = "%s"
    table    = "vlan%d"
    priority = %d
  }
`, s, id, 2000+id)
		} else {
			fmt.Fprintf(w, `
  rule {
    from  = "%s"
    table = "vlan%d"
  }
`, s, id)
		}
	}
	fmt.Fprintf(w, `
  filesystem "/var/lib/vservers" {
    device  = "/dev/vg%d/vservers"
    type    = "ext3"
    options = ["tagxid", "noatime"]
  }
}
`, h)
}

func writeDefaults(w *bufio.Writer) {
	w.WriteString(`# What every generated guest starts from.
defaults {
  nice      = 0
  autostart = true
  flags     = ["virt_mem", "virt_uptime"]

  namespace {
    cleanup = true
  }

  init {
    style    = "sysv"
    runlevel = 3
  }

  reboot {
    action = "restart"
  }
}
`)
}

// GuestName is the name of guest i (0-based).
func GuestName(i int) string { return fmt.Sprintf("vs%06d", i+1) }

func writeGuest(w *bufio.Writer, o Options, hosts, i int) {
	h, j := i/o.GuestsPerHost, i%o.GuestsPerHost
	v := j % VLANsPerHost
	s := vlanNet(hosts, h, v)
	a := nth(s, j/VLANsPerHost+2) // the first is the network, the second the gateway
	name := GuestName(i)
	fmt.Fprintf(w, `
guest %q {
  host     = %q
  context  = %d
  hostname = "%s.example.org"
`, name, HostName(h), MinContext+j, name)
	switch i % 4 {
	case 0:
		w.WriteString(`
  build {
    method       = "debootstrap"
    distribution = "bookworm"
    mirror       = "http://deb.debian.org/debian"
  }
`)
	case 1:
		w.WriteString(`
  build {
    method       = "yum"
    distribution = "rocky9"
  }
`)
	case 2:
		w.WriteString(`
  build {
    method  = "template"
    archive = "/var/cache/vservers/base.tar.gz"
  }
`)
	case 3:
		w.WriteString(`
  build {
    method = "skeleton"
  }
`)
	}
	fmt.Fprintf(w, `
  interface "0" {
    dev  = "eth0.%d"
    ip   = "%s/%d"
    name = "g%d"
  }

  rlimits {
    nproc  = %d
    nofile = { soft = 1024, hard = 4096 }
    as     = "512MiB"
  }
`, firstVLAN+v, a, s.Bits(), j, 200+i%100)
	if i%10 == 0 {
		w.WriteString(`
  disk_limit {
    space_total  = "2GiB"
    inodes_total = 100000
    reserved     = 5
  }
`)
	}
	w.WriteString("}\n")
}

// MaxTableRoutes and MaxTableRules bound WriteTable: its routes are /30s
// of 172.16.0.0/12, its rules' priorities 2000 … 32765 (their sources
// /24s from 10.1.0.0 up).
const (
	MaxTableRoutes = 1 << 18
	MaxTableRules  = 32765 - 2000 + 1
)

// WriteTable writes into dir (created if need be) table.vsc.hcl: one
// host with one routing table of routes routes (each to a /30, through
// eth0) and rules rules sending a /24 each to the table, with priorities
// from 2000 up. It is the shape whose plan grows with routes × rules when
// a rule depends on each route of its table. The rules cover no guest,
// so the configuration checks with one rule-unused warning per rule.
func WriteTable(dir string, routes, rules int) (Stats, error) {
	if routes < 0 || routes > MaxTableRoutes || rules < 0 || rules > MaxTableRules {
		return Stats{}, fmt.Errorf("benchgen: a table of %d routes and %d rules; at most %d and %d", routes, rules, MaxTableRoutes, MaxTableRules)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, err
	}
	f, err := os.Create(filepath.Join(dir, "table.vsc.hcl"))
	if err != nil {
		return Stats{}, err
	}
	w := bufio.NewWriterSize(f, 1<<16)
	fmt.Fprintf(w, "# One table of %d routes and %d rules.\nhost \"bench\" {\n  interface \"eth0\" {\n    addresses = [\"10.255.0.1/16\"]\n  }\n\n  table \"t\" {\n    id = 100\n", routes, rules)
	for r := range routes {
		to := addr4(172<<24 | 16<<16 + uint32(r)<<2)
		fmt.Fprintf(w, "    route {\n      to  = \"%s/30\"\n      dev = \"eth0\"\n    }\n", to)
	}
	w.WriteString("  }\n")
	for i := range rules {
		from := addr4(10<<24 | 1<<16 + uint32(i)<<8)
		fmt.Fprintf(w, "\n  rule {\n    from     = \"%s/24\"\n    table    = \"t\"\n    priority = %d\n  }\n", from, 2000+i)
	}
	w.WriteString("}\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return Stats{}, err
	}
	st := Stats{Files: 1, Hosts: 1}
	if fi, err := f.Stat(); err == nil {
		st.Bytes = fi.Size()
	}
	return st, f.Close()
}

// ConfigFiles lists the configuration files of a folder as vsc reads them:
// *.vsc.hcl and *.vsc.json, in name order.
func ConfigFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".vsc.hcl") || strings.HasSuffix(e.Name(), ".vsc.json")) {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(names)
	return names, nil
}

// Parse reads and parses every configuration file of dir, without
// evaluating anything: the floor under what vsc check can cost. It returns
// the parsed files, to be kept alive as a check keeps them.
func Parse(dir string) ([]*hcl.File, error) {
	names, err := ConfigFiles(dir)
	if err != nil {
		return nil, err
	}
	files := make([]*hcl.File, 0, len(names))
	for _, name := range names {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var f *hcl.File
		var diags hcl.Diagnostics
		if strings.HasSuffix(name, ".json") {
			f, diags = json.Parse(src, name)
		} else {
			f, diags = hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		}
		if diags.HasErrors() {
			return nil, diags
		}
		files = append(files, f)
	}
	return files, nil
}
