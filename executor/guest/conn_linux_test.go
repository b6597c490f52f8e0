package guest

import (
	"encoding/json"
	"errors"
	"io"
	"testing"

	"golang.org/x/sys/unix"
)

// Requests and replies survive the socket, with the descriptors sent
// along; a closed end reads io.EOF.
func TestConn(t *testing.T) {
	a, b, err := newConnPair()
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := a.send(request{Op: "attach", Target: "/dev"}, fd); err != nil {
		t.Fatal(err)
	}
	var r request
	fds, err := b.recv(&r)
	if err != nil || r.Op != "attach" || r.Target != "/dev" || len(fds) != 1 {
		t.Fatalf("recv: %+v %v %v", r, fds, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fds[0], &st); err != nil || st.Rdev != unix.Mkdev(1, 3) {
		t.Errorf("the descriptor received is not /dev/null: %v", err)
	}
	if flags, _ := unix.FcntlInt(uintptr(fds[0]), unix.F_GETFD, 0); flags&unix.FD_CLOEXEC == 0 {
		t.Error("a received descriptor is not close-on-exec")
	}
	closeAll(fds)
	b.close()
	if _, err := a.recv(&r); !errors.Is(err, io.EOF) {
		t.Errorf("recv from a closed end: %v, want EOF", err)
	}
}

// FuzzRequest: whatever bytes come on the init's socket, recv decodes a
// request or says it cannot; it never panics.
func FuzzRequest(f *testing.F) {
	for _, r := range []request{{Op: "prepare"}, {Op: "mount", Target: "/proc"}, {Op: "exec", Exec: &initExec{Command: []string{"/sbin/init"}}}} {
		data, _ := json.Marshal(r)
		f.Add(data)
	}
	f.Add([]byte(`{"op":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > maxMessage {
			return
		}
		a, b, err := newConnPair()
		if err != nil {
			t.Skip(err)
		}
		defer a.close()
		defer b.close()
		if err := unix.Sendmsg(a.fd, data, nil, nil, 0); err != nil {
			return
		}
		var r request
		fds, err := b.recv(&r)
		closeAll(fds)
		if err == nil && json.Valid(data) == false {
			t.Fatalf("recv accepted invalid JSON %q", data)
		}
	})
}
