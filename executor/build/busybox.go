package build

import (
	"archive/tar"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"time"
)

// BusyboxPath is the static busybox BusyboxTemplate puts in the guest
// (Debian's busybox-static package).
const BusyboxPath = "/bin/busybox"

// busyboxApplets get a symlink to busybox in /bin.
var busyboxApplets = []string{
	"sh", "ash", "cat", "chmod", "chown", "cp", "date", "df", "dmesg", "du",
	"echo", "env", "false", "free", "grep", "head", "hostname", "id", "ip",
	"kill", "ln", "ls", "mkdir", "mount", "mv", "nproc", "ps", "pwd", "readlink",
	"rm", "rmdir", "sed", "sleep", "stat", "sync", "tail", "test", "touch",
	"true", "umount", "uname", "wc",
}

// busyboxRC is /etc/init.d/rc: the guest's init for init.style "sysv"
// (`/etc/init.d/rc 3`). It stays up until it gets TERM, INT or HUP, then
// exits at once, so that a stop does not have to wait for its KILL.
const busyboxRC = `#!/bin/sh
# /etc/init.d/rc RUNLEVEL: the whole init of vsc's busybox guest.
trap 'kill $pid 2>/dev/null; exit 0' TERM INT HUP
while :; do
	sleep 86400 &
	pid=$!
	wait $pid
done
`

// busyboxInittab is for init.style "plain" (/sbin/init, busybox's init):
// without it busybox init would start shells on consoles a guest lacks.
const busyboxInittab = `# busybox init (init.style = "plain"): run what init.style "sysv" runs.
::once:/etc/init.d/rc 3
`

// BusyboxTemplate writes a plain tar archive of a minimal guest root built
// around the host's static busybox: /bin/busybox with /bin/sh and other
// applets as symlinks to it, /sbin/init → busybox, /etc/passwd and
// /etc/group with root, /etc/init.d/rc as the init of init.style "sysv"
// (it sleeps until TERM), an /etc/inittab that has busybox init run the
// same, and the folders a guest is mounted on (proc, sys, dev, tmp, run).
// It is the template of vsc's guest tests. It fails when /bin/busybox is
// missing or dynamically linked: a guest has none of the host's libraries.
func BusyboxTemplate(w io.Writer) error {
	bin, err := os.ReadFile(BusyboxPath)
	if err != nil {
		return fmt.Errorf("busybox template: %w (install Debian's busybox-static)", err)
	}
	if err := static(BusyboxPath); err != nil {
		return fmt.Errorf("busybox template: %w", err)
	}
	a := &archiveWriter{tw: tar.NewWriter(w), mtime: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	a.add(tar.TypeDir, "./", 0o755, "", nil)
	for _, d := range []struct {
		name string
		mode int64
	}{
		{"bin", 0o755}, {"dev", 0o755}, {"etc", 0o755}, {"etc/init.d", 0o755},
		{"proc", 0o555}, {"root", 0o700}, {"run", 0o755}, {"sbin", 0o755},
		{"sys", 0o555}, {"tmp", 0o1777}, {"usr", 0o755}, {"usr/bin", 0o755},
		{"var", 0o755}, {"var/log", 0o755},
	} {
		a.add(tar.TypeDir, d.name+"/", d.mode, "", nil)
	}
	a.add(tar.TypeReg, "bin/busybox", 0o755, "", bin)
	for _, applet := range busyboxApplets {
		a.add(tar.TypeSymlink, "bin/"+applet, 0o777, "busybox", nil)
	}
	a.add(tar.TypeSymlink, "sbin/init", 0o777, "../bin/busybox", nil)
	a.add(tar.TypeReg, "etc/passwd", 0o644, "", []byte("root:x:0:0:root:/root:/bin/sh\n"))
	a.add(tar.TypeReg, "etc/group", 0o644, "", []byte("root:x:0:\n"))
	a.add(tar.TypeReg, "etc/inittab", 0o644, "", []byte(busyboxInittab))
	a.add(tar.TypeReg, "etc/init.d/rc", 0o755, "", []byte(busyboxRC))
	if a.err == nil {
		a.err = a.tw.Close()
	}
	if a.err != nil {
		return fmt.Errorf("busybox template: %w", a.err)
	}
	return nil
}

// An archiveWriter writes tar entries owned by root, keeping the first
// error.
type archiveWriter struct {
	tw    *tar.Writer
	mtime time.Time
	err   error
}

func (a *archiveWriter) add(typ byte, name string, mode int64, link string, data []byte) {
	if a.err != nil {
		return
	}
	a.err = a.tw.WriteHeader(&tar.Header{Typeflag: typ, Name: name, Linkname: link, Mode: mode,
		Size: int64(len(data)), ModTime: a.mtime, Format: tar.FormatPAX})
	if a.err == nil && len(data) > 0 {
		_, a.err = a.tw.Write(data)
	}
}

// static checks that an ELF program needs no dynamic loader.
func static(name string) error {
	f, err := elf.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; install Debian's busybox-static", name)
		}
	}
	return nil
}
