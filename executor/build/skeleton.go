package build

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// skeletonDirs is the folder tree of `-m skeleton`: an empty guest, for a
// root to fill by other means (a P2V copy made by hand, say). Everything
// is owned by root.
var skeletonDirs = []struct {
	name string
	mode uint32
}{
	{"bin", 0o755}, {"boot", 0o755}, {"dev", 0o755}, {"etc", 0o755},
	{"home", 0o755}, {"lib", 0o755}, {"media", 0o755}, {"mnt", 0o755},
	{"opt", 0o755}, {"proc", 0o555}, {"root", 0o700}, {"run", 0o755},
	{"sbin", 0o755}, {"srv", 0o755}, {"sys", 0o555}, {"tmp", 0o1777},
	{"usr", 0o755}, {"usr/bin", 0o755}, {"usr/lib", 0o755}, {"usr/sbin", 0o755},
	{"usr/share", 0o755}, {"usr/local", 0o755},
	{"var", 0o755}, {"var/cache", 0o755}, {"var/lib", 0o755}, {"var/log", 0o755},
	{"var/spool", 0o755}, {"var/tmp", 0o1777},
}

func skeleton(t *tree) error {
	for _, d := range skeletonDirs {
		parent, base := split(d.name)
		pfd, err := t.dir(parent)
		if err != nil {
			return err
		}
		err = mkdirat(pfd, base, d.mode)
		unix.Close(pfd)
		if err != nil {
			return fmt.Errorf("skeleton /%s: %w", d.name, err)
		}
	}
	return nil
}
