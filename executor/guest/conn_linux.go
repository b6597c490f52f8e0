package guest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/sys/unix"
)

// conn is one end of a SOCK_SEQPACKET socket pair between the supervisor
// and the guest's init (or between vsc exec and the command it runs):
// each message is one JSON value in one packet, with the file
// descriptors that go with it (SCM_RIGHTS) — the detached mounts the
// host's root makes for the guest, a terminal's master.
type conn struct{ fd int }

// maxMessage bounds a message: requests and replies are small (a mask's
// list of paths is the longest).
const maxMessage = 64 << 10

// newConnPair returns a connected pair, both ends close-on-exec.
func newConnPair() (a, b conn, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return conn{-1}, conn{-1}, fmt.Errorf("socketpair: %w", err)
	}
	return conn{fds[0]}, conn{fds[1]}, nil
}

// send writes v, with fds.
func (c conn) send(v any, fds ...int) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	for {
		err = unix.Sendmsg(c.fd, data, oob, nil, 0)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// recv reads the next message into v and returns the descriptors that
// came with it (close-on-exec). It returns io.EOF when the other end has
// closed.
func (c conn) recv(v any) ([]int, error) {
	bufs := recvBuf.Get().(*[2][]byte)
	defer recvBuf.Put(bufs)
	buf, oob := bufs[0], bufs[1]
	var n, oobn int
	var err error
	for {
		n, oobn, _, _, err = unix.Recvmsg(c.fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	var fds []int
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			return nil, err
		}
		for i := range msgs {
			got, err := unix.ParseUnixRights(&msgs[i])
			if err == nil {
				fds = append(fds, got...)
			}
		}
	}
	if n == 0 && oobn == 0 {
		return nil, io.EOF
	}
	if err := json.Unmarshal(buf[:n], v); err != nil {
		closeAll(fds)
		return nil, fmt.Errorf("a malformed message: %w", err)
	}
	return fds, nil
}

// recvBuf holds receive buffers: a fresh 64 KiB for every message is
// page faults and zeroing on the start's critical path.
var recvBuf = sync.Pool{New: func() any {
	return &[2][]byte{make([]byte, maxMessage), make([]byte, unix.CmsgSpace(4*8))}
}}

func (c conn) close() {
	if c.fd >= 0 {
		unix.Close(c.fd)
	}
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
