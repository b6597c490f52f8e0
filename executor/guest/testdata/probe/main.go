// Command probe tries, from inside a started guest, the escapes of vsc's
// guest walls, and the acts a guest must keep: it is built (static) and
// run by package guest's escape tests (TestEscape). Each check prints one
// line, NAME: RESULT, where RESULT is "ok" for success, or the errno's
// name (EPERM) or a short word for how it failed; what the test wants of
// each is the test's business.
//
//	probe checks KEY=VALUE…   every check, with what the host computed
//	probe self               its environment, working folder and descriptors
//	probe euid               its effective uid (a setuid copy reports 0)
//	probe drop PATH          become uid 1000 and execute PATH
//	probe serve PORT         answer one TCP connection on PORT with "hello"
package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe checks|self|euid|drop|serve …")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "checks":
		checks(params(os.Args[2:]))
	case "self":
		self()
	case "euid":
		fmt.Println(os.Geteuid())
	case "drop":
		unix.Setgroups(nil)
		if err := unix.Setresgid(1000, 1000, 1000); err != nil {
			fail(err)
		}
		if err := unix.Setresuid(1000, 1000, 1000); err != nil {
			fail(err)
		}
		fail(syscall.Exec(os.Args[2], []string{os.Args[2], "euid"}, nil))
	case "serve":
		l, err := net.Listen("tcp", ":"+os.Args[2])
		if err != nil {
			fail(err)
		}
		fmt.Println("listening", l.Addr())
		c, err := l.Accept()
		if err != nil {
			fail(err)
		}
		fmt.Fprintf(c, "hello from %s", c.LocalAddr())
		c.Close()
	default:
		fail(fmt.Errorf("unknown mode %q", os.Args[1]))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "probe:", err)
	os.Exit(1)
}

func params(args []string) map[string]string {
	out := map[string]string{}
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		out[k] = v
	}
	return out
}

// result names an error as the kernel does.
func result(err error) string {
	if err == nil {
		return "ok"
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		return unix.ErrnoName(errno)
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

func report(name string, r string) { fmt.Printf("%s: %s\n", name, r) }

func checks(p map[string]string) {
	// open_by_handle_at with a handle of a host file (the "shocker").
	{
		raw, _ := hex.DecodeString(p["handle"])
		typ, _ := strconv.Atoi(p["handle_type"])
		root, err := unix.Open("/", unix.O_RDONLY|unix.O_DIRECTORY, 0)
		if err == nil {
			fd, err := unix.OpenByHandleAt(root, unix.NewFileHandle(int32(typ), raw), unix.O_RDONLY)
			if err == nil {
				buf := make([]byte, 64)
				n, _ := unix.Read(fd, buf)
				err = fmt.Errorf("read the host's file: %q", buf[:n])
			}
			report("open_by_handle_at", result(err))
			_, _, err = unix.NameToHandleAt(root, "bin", 0)
			report("name_to_handle_at", result(err))
		}
	}
	// A chroot climb: chroot into a sub-folder, walk up, chroot there.
	{
		err := func() error {
			os.MkdirAll("/tmp/climb", 0o755)
			old, err := unix.Open("/", unix.O_RDONLY|unix.O_DIRECTORY, 0)
			if err != nil {
				return err
			}
			if err := unix.Chroot("/tmp/climb"); err != nil {
				return err
			}
			unix.Fchdir(old)
			for i := 0; i < 64; i++ {
				unix.Chdir("..")
			}
			if err := unix.Chroot("."); err != nil {
				return err
			}
			if _, err := os.Stat(p["marker"]); err == nil {
				return errors.New("escaped: the host's marker is visible")
			}
			return nil
		}()
		report("chroot_climb", result(err))
	}
	// Host-wide knobs.
	for _, f := range []string{"/proc/sys/kernel/core_pattern", "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger", "/proc/sys/kernel/modprobe"} {
		fd, err := unix.Open(f, unix.O_WRONLY, 0)
		if err == nil {
			unix.Close(fd)
		}
		report("write "+f, result(err))
	}
	// Masked files: empty, or not there.
	for _, f := range []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"} {
		data, err := os.ReadFile(f)
		if err == nil && len(data) > 0 {
			err = fmt.Errorf("read %d bytes", len(data))
		} else if err == nil {
			err = errors.New("empty")
		}
		report("read "+f, result(err))
	}
	for _, d := range []string{"/proc/acpi", "/sys/firmware"} {
		entries, err := os.ReadDir(d)
		if err == nil && len(entries) > 0 {
			err = fmt.Errorf("%d entries", len(entries))
		} else if err == nil {
			err = errors.New("empty")
		}
		report("list "+d, result(err))
	}
	// /sys read-only.
	{
		err := os.WriteFile("/sys/kernel/uevent_helper", []byte("/x"), 0)
		report("write /sys/kernel/uevent_helper", result(errors.Unwrap(err)))
	}
	// The kernel log.
	{
		buf := make([]byte, 4096)
		_, err := unix.Klogctl(unix.SYSLOG_ACTION_READ_ALL, buf)
		report("syslog", result(err))
		fd, err := unix.Open("/proc/kmsg", unix.O_RDONLY, 0)
		if err == nil {
			unix.Close(fd)
		}
		report("open /proc/kmsg", result(err))
		fd, err = unix.Open("/dev/kmsg", unix.O_RDONLY, 0)
		if err == nil {
			unix.Close(fd)
		}
		report("open /dev/kmsg", result(err))
	}
	// A block device node.
	{
		err := unix.Mknod("/tmp/sda", unix.S_IFBLK|0o600, int(unix.Mkdev(8, 0)))
		report("mknod block", result(err))
		os.Remove("/tmp/sda")
	}
	// Packet and raw sockets; the links this guest sees.
	{
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, int(htons(unix.ETH_P_ALL)))
		if err == nil {
			unix.Close(fd)
		}
		report("packet socket", result(err))
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
		if err == nil {
			unix.Close(fd)
		}
		report("raw socket", result(err))
		ifs, _ := net.Interfaces()
		var names []string
		for _, i := range ifs {
			names = append(names, i.Name)
		}
		report("links", strings.Join(names, ","))
	}
	// Reconfigure a link: bring it down.
	if link := p["link"]; link != "" {
		fd, _ := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, 0)
		ifr, _ := unix.NewIfreq(link)
		err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr)
		if err == nil {
			ifr.SetUint16(ifr.Uint16() &^ unix.IFF_UP)
			err = unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
		}
		unix.Close(fd)
		report("link down", result(err))
	}
	// Binding: a foreign address, the wildcard, the loopback, its own, port 80.
	// An AF_INET socket for an IPv4 address: Go's "tcp" makes a dual-stack
	// IPv6 socket of 0.0.0.0.
	bind := func(name, addr string) {
		network := "tcp6"
		if host, _, _ := net.SplitHostPort(addr); !strings.Contains(host, ":") {
			network = "tcp4"
		}
		if addr == "[::]:8084" {
			network = "tcp" // dual stack
		}
		l, err := net.Listen(network, addr)
		r := result(err)
		if err == nil {
			r = "bound " + l.Addr().String()
			l.Close()
		}
		report(name, r)
	}
	if a := p["foreign"]; a != "" {
		bind("bind foreign", net.JoinHostPort(a, "8080"))
	}
	bind("bind wildcard", "0.0.0.0:8081")
	bind("bind wildcard6", "[::]:8084")
	bind("bind loopback", "127.0.0.1:8082")
	if a := p["own"]; a != "" {
		bind("bind own", net.JoinHostPort(a, "8083"))
		bind("bind own 80", net.JoinHostPort(a, "80"))
	}
	if a := p["foreign6"]; a != "" {
		bind("bind foreign6", net.JoinHostPort(a, "8080"))
	}
	if a := p["own6"]; a != "" {
		bind("bind own6", net.JoinHostPort(a, "8085"))
		bind("bind loopback6", "[::1]:8086")
	}
	// Outgoing: a connection and a datagram to the host; from which address.
	for _, k := range []string{"connect", "connect6"} {
		if a := p[k]; a != "" {
			c, err := net.DialTimeout("tcp", a, 2*time.Second)
			r := result(err)
			if err == nil {
				r = "from " + c.LocalAddr().String()
				c.Close()
			}
			report(k, r)
		}
	}
	for k, network := range map[string]string{"udp": "udp4", "udp6": "udp6"} {
		if a := p[k]; a != "" {
			c, err := net.ListenPacket(network, ":0")
			r := result(err)
			if err == nil {
				dst, _ := net.ResolveUDPAddr("udp", a)
				_, err = c.WriteTo([]byte("datagram"), dst)
				r = result(err)
				c.Close()
			}
			report(k, r)
		}
	}
	// An abstract unix socket of the host.
	if a := p["abstract"]; a != "" {
		c, err := net.DialTimeout("unix", "@"+a, time.Second)
		if err == nil {
			c.Close()
		}
		report("abstract", result(err))
	}
	// Modules, the clock.
	{
		err := unix.InitModule([]byte{0x7f, 'E', 'L', 'F'}, "")
		report("init_module", result(err))
		err = unix.FinitModule(0, "", 0)
		report("finit_module", result(err))
		tv := unix.Timeval{Sec: 1}
		err = unix.Settimeofday(&tv)
		report("settimeofday", result(err))
		ts := unix.Timespec{Sec: 1}
		err = unix.ClockSettime(unix.CLOCK_REALTIME, &ts)
		report("clock_settime", result(err))
		_, _, errno := unix.Syscall(unix.SYS_BPF, 0, 0, 0)
		report("bpf", result(errnoErr(errno)))
		_, _, errno = unix.Syscall(unix.SYS_KEXEC_LOAD, 0, 0, 0)
		report("kexec_load", result(errnoErr(errno)))
		_, _, errno = unix.Syscall(unix.SYS_KEYCTL, 0, 0, 0)
		report("keyctl", result(errnoErr(errno)))
		_, _, errno = unix.Syscall(unix.SYS_USERFAULTFD, 0, 0, 0)
		report("userfaultfd", result(errnoErr(errno)))
		_, _, errno = unix.Syscall(unix.SYS_IOPL, 3, 0, 0)
		report("iopl", result(errnoErr(errno)))
		_, _, errno = unix.Syscall(unix.SYS_PERF_EVENT_OPEN, 0, 0, 0)
		report("perf_event_open", result(errnoErr(errno)))
		// x32's getpid: a foreign ABI.
		_, _, errno = unix.RawSyscall(unix.SYS_GETPID|0x40000000, 0, 0, 0)
		report("x32", result(errnoErr(errno)))
	}
	// What it is.
	{
		status, _ := os.ReadFile("/proc/self/status")
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "Seccomp:") || strings.HasPrefix(l, "NoNewPrivs:") {
				k, v, _ := strings.Cut(l, ":")
				report(strings.ToLower(k), strings.TrimSpace(v))
			}
		}
		m, _ := os.ReadFile("/proc/self/uid_map")
		report("uid_map", strings.Join(strings.Fields(string(m)), " "))
		var n int
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err == nil {
				n++
			}
		}
		report("processes", strconv.Itoa(n))
	}
}

func errnoErr(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func htons(v uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&v))
	return uint16(b[0])<<8 | uint16(b[1])
}

func self() {
	cwd, _ := os.Getwd()
	fmt.Println("cwd:", cwd)
	for _, kv := range os.Environ() {
		fmt.Println("env:", kv)
	}
	entries, _ := os.ReadDir("/proc/self/fd")
	var fds []string
	for _, e := range entries {
		// The descriptor ReadDir reads /proc/self/fd with is its own.
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && !strings.HasSuffix(target, "/fd") && !strings.Contains(target, "/proc/") {
			fds = append(fds, e.Name()+"="+target)
		}
	}
	fmt.Println("fds:", strings.Join(fds, " "))
	tty, err := os.Readlink("/proc/self/fd/0")
	if err == nil {
		fmt.Println("stdin:", tty)
	}
	fmt.Println("dumpable:", dumpable())
}

func dumpable() int {
	r, _, _ := unix.Syscall(unix.SYS_PRCTL, unix.PR_GET_DUMPABLE, 0, 0)
	return int(r)
}
