package executor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vsc/ir"
)

// nobody is the uid of an unprivileged user, who owns what a hostile
// state dir holds.
const nobody = 65534

// forgeRecord writes, as an unprivileged user could where the state dir
// lets them, a record claiming that the host's own address is vsc's: an
// apply trusting it would delete that address.
func forgeRecord(t *testing.T, dir string) string {
	t.Helper()
	rec := newRecord("test", 1)
	rec.put(&ir.Op{Owner: ir.OwnerHost, Origin: "forged:1:1", Body: &ir.AddrAdd{Dev: "eth0", Address: "192.0.2.1/24"}})
	data, err := rec.encode()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, recordFile)
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestHostileStateDir attacks vsc through its state dir: owned by
// another user, writable by others, a record owned by another user or
// writable by them, a record that is a symbolic link. Each is refused,
// naming the path, its owner and its mode, and the host's address stays
// (read back with ip).
func TestHostileStateDir(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, root, host, record string)
		says  []string // ROOT, HOST, RECORD and PARENT stand for the paths
	}{
		{"root owned by another user", func(t *testing.T, root, host, record string) {
			chown(t, root, nobody)
		}, []string{"refusing the state dir ROOT:", "owned by", "uid 65534", "mode -rwx------"}},
		{"host dir owned by another user", func(t *testing.T, root, host, record string) {
			chown(t, host, nobody)
		}, []string{"refusing the state dir HOST:", "uid 65534"}},
		{"host dir writable by others", func(t *testing.T, root, host, record string) {
			chmod(t, host, 0o777)
		}, []string{"refusing the state dir HOST:", "mode -rwxrwxrwx", "group and others"}},
		{"root writable by its group", func(t *testing.T, root, host, record string) {
			chmod(t, root, 0o770)
		}, []string{"refusing the state dir ROOT:", "its group"}},
		{"record owned by another user", func(t *testing.T, root, host, record string) {
			chown(t, record, nobody)
		}, []string{"refusing the state file RECORD:", "uid 65534"}},
		{"record writable by others", func(t *testing.T, root, host, record string) {
			chmod(t, record, 0o666)
		}, []string{"refusing the state file RECORD:", "mode -rw-rw-rw-"}},
		{"record a symbolic link", func(t *testing.T, root, host, record string) {
			other := filepath.Join(t.TempDir(), "elsewhere")
			if err := os.Rename(record, other); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(other, record); err != nil {
				t.Fatal(err)
			}
		}, []string{"refusing RECORD ", "symbolic link"}},
		{"parent writable by others", func(t *testing.T, root, host, record string) {
			chmod(t, filepath.Dir(root), 0o777)
		}, []string{"refusing the state dir under PARENT:", "lets group and others replace"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			s.ip("addr", "add", "192.0.2.1/24", "dev", "eth0")
			parent := t.TempDir()
			root := filepath.Join(parent, "state")
			host := filepath.Join(root, "test")
			record := forgeRecord(t, host)
			tc.spoil(t, root, host, record)
			before := s.addrs()
			o := s.options()
			o.StateDir = root
			for _, dry := range []bool{true, false} {
				o.DryRun = dry
				_, err := Apply(testPlan(t), o)
				if err == nil {
					t.Fatalf("dry-run=%v: a hostile state dir was trusted", dry)
				}
				for _, want := range tc.says {
					want = strings.NewReplacer("ROOT", root, "HOST", host, "RECORD", record, "PARENT", parent).Replace(want)
					if !strings.Contains(err.Error(), want) {
						t.Errorf("dry-run=%v: error lacks %q:\n%v", dry, want, err)
					}
				}
			}
			if diff := cmp.Diff(before, s.addrs()); diff != "" {
				t.Fatalf("the host changed (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"eth0 192.0.2.1/24 eth0"}, s.addrs()); diff != "" {
				t.Fatalf("the host's own address (-want +got):\n%s", diff)
			}
		})
	}
}

// A state dir vsc makes is 0700, and so is the host's folder in it.
func TestStateDirMade0700(t *testing.T) {
	s := newSandbox(t)
	o := s.options()
	o.StateDir = filepath.Join(t.TempDir(), "a", "state")
	if _, err := Apply(testPlan(t, &ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24"}), o); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Dir(o.StateDir), o.StateDir, filepath.Join(o.StateDir, "test")} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %s, want 0700", d, fi.Mode().Perm())
		}
	}
}

func chown(t *testing.T, name string, uid int) {
	t.Helper()
	if err := os.Lchown(name, uid, uid); err != nil {
		t.Fatal(err)
	}
}

func chmod(t *testing.T, name string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(name, mode); err != nil {
		t.Fatal(err)
	}
}
