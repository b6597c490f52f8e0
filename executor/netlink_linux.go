package executor

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"vsc/ir"
)

// vsc speaks rtnetlink itself for the kinds a run makes by the thousand
// (routes, rules, addresses): their requests go to the kernel in batches,
// many per sendmsg, where vishvananda/netlink sends one request and waits
// for its answer. The kernel handles a batch's messages one after the
// other, as if they had come alone, and answers each one that fails; the
// last one asks for an answer either way, which closes the batch.

// requester is implemented by the handlers whose netlink requests vsc
// builds itself: their steps can go to the kernel in batches.
type requester interface {
	// request builds the message that creates the object (or, create
	// false, removes it), without sequence number or NLM_F_ACK. It
	// changes nothing: it may run ahead of time.
	request(h *Host, b ir.Body, create bool) ([]byte, error)
	// refused says what the kernel's refusal of that request means to
	// whoever reads it, or returns err as it is.
	refused(b ir.Body, create bool, err error) error
}

// A batch holds at most maxBatch messages and maxBatchBytes bytes: past
// about 64 messages a sendmsg gains nothing, and the kernel's answers to
// a batch that fails entirely must fit in the socket's receive buffer.
const (
	maxBatch      = 128
	maxBatchBytes = 64 << 10
)

// request sends one step's request alone and returns the kernel's answer.
func (h *Host) request(rq requester, b ir.Body, create bool) error {
	req, err := rq.request(h, b, create)
	if err != nil {
		return err
	}
	errs, err := h.rt.exchange([][]byte{req})
	if err != nil {
		return err
	}
	if errs[0] != nil {
		return rq.refused(b, create, errs[0])
	}
	return nil
}

// preparer is implemented by the requesters some of whose steps need the
// host prepared first (addr.add's removal sets promote_secondaries): those
// steps go alone, through the handler's create or remove.
type preparer interface {
	prepares(b ir.Body, create bool) bool
}

// batch is a run of consecutive steps whose requests go to the kernel in
// one sendmsg.
type batch struct {
	steps []step
	reqs  [][]byte
	// broken is the error of building the request of the step after the
	// batch's, which ended it: that step fails, and none after it runs.
	broken error
}

// nextBatch builds the requests of the steps from steps[0] on that can go
// to the kernel together, stopping before the step of index failAt. It
// holds no step when steps[0] goes alone (or is failAt). It changes
// nothing: it may run while the kernel works on the batch before.
func (h *Host) nextBatch(steps []step, failAt int) batch {
	var b batch
	size := 0
	for n := 0; n < len(steps) && n < maxBatch && n != failAt; n++ {
		s := steps[n]
		rq, ok := s.act.h.(requester)
		if !ok {
			break
		}
		if p, ok := rq.(preparer); ok && p.prepares(s.op.Body, s.create) {
			break
		}
		req, err := rq.request(h, s.op.Body, s.create)
		if err != nil {
			b.broken = err
			break
		}
		if n > 0 && size+len(req) > maxBatchBytes {
			break
		}
		b.steps = append(b.steps, s)
		b.reqs = append(b.reqs, req)
		size += len(req)
	}
	return b
}

// batchResult is the outcome of each step of a batch, nil for done; or
// lost, when the kernel did the requests but its answers could not all
// be read.
type batchResult struct {
	errs []error
	lost error
}

// send sends a batch's requests and returns their outcome.
func (h *Host) send(b batch) batchResult {
	errs, err := h.rt.exchange(b.reqs)
	var le *lostError
	if errors.As(err, &le) {
		return batchResult{lost: err}
	}
	if err != nil {
		// The kernel did none of them: the first fails, and the others
		// are not done.
		errs = make([]error, len(b.reqs))
		for i := range errs {
			errs[i] = err
		}
	}
	for i, e := range errs {
		if e != nil {
			s := b.steps[i]
			errs[i] = s.act.h.(requester).refused(s.op.Body, s.create, e)
		}
	}
	return batchResult{errs: errs}
}

// rtnl is a raw NETLINK_ROUTE socket in the host's network namespace,
// with extended acks (the kernel's own words with an error) and capped
// acks (an error does not echo the request back).
type rtnl struct {
	fd  int
	seq uint32
	out []byte // the batch being sent
	in  []byte // the receive buffer
}

// openRtnl opens the socket in the host's network namespace.
func openRtnl(h *Host) (*rtnl, error) {
	fd := -1
	err := h.inNetns(func() (err error) {
		fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cannot open netlink: %w", err)
	}
	s := &rtnl{fd: fd, in: make([]byte, 64<<10)}
	if err := s.setup(); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("cannot open netlink: %w", err)
	}
	return s, nil
}

func (s *rtnl) setup() error {
	if err := unix.Bind(s.fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	for _, o := range []int{unix.NETLINK_EXT_ACK, unix.NETLINK_CAP_ACK} {
		// Older kernels lack them: errors then come without words, and
		// with the request echoed, which the reader skips.
		unix.SetsockoptInt(s.fd, unix.SOL_NETLINK, o, 1)
	}
	// Dumps of one table filtered by the kernel (Linux 4.20); older
	// kernels dump them all, which the readers filter.
	unix.SetsockoptInt(s.fd, unix.SOL_NETLINK, unix.NETLINK_GET_STRICT_CHK, 1)
	// Room for an answer to every message of a batch that fails entirely:
	// an answer the socket has no room for is lost.
	if err := unix.SetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20); err != nil {
		unix.SetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	}
	// As vishvananda/netlink: a kernel that never answers is an error, not
	// a hang.
	tv := unix.Timeval{Sec: 60}
	if err := unix.SetsockoptTimeval(s.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	return unix.SetsockoptTimeval(s.fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
}

func (s *rtnl) close() {
	if s != nil && s.fd >= 0 {
		unix.Close(s.fd)
		s.fd = -1
	}
}

// kernelError is the kernel's refusal of a request: an errno, with the
// kernel's own words when it gave them ("Nexthop has invalid gateway").
type kernelError struct {
	errno unix.Errno
	words string
}

func (e *kernelError) Error() string {
	if e.words == "" {
		return e.errno.Error()
	}
	return e.errno.Error() + ": " + e.words
}

func (e *kernelError) Unwrap() error { return e.errno }

// lostError says that the kernel did a batch's requests but that some of
// its answers could not be read: which of them it refused is unknown.
type lostError struct{ err error }

func (e *lostError) Error() string {
	return fmt.Sprintf("the kernel's answers to a batch of changes were lost (%v)", e.err)
}

func (e *lostError) Unwrap() error { return e.err }

// exchange sends the requests in one sendmsg, every one but the last
// without NLM_F_ACK, and returns the kernel's answer to each: nil when it
// did it. An error other than a lostError means the kernel did none.
func (s *rtnl) exchange(reqs [][]byte) ([]error, error) {
	first := s.seq + 1
	s.out = s.out[:0]
	for i, r := range reqs {
		s.seq++
		flags := ne.Uint16(r[6:]) &^ unix.NLM_F_ACK
		if i == len(reqs)-1 {
			flags |= unix.NLM_F_ACK
		}
		ne.PutUint16(r[6:], flags)
		ne.PutUint32(r[8:], s.seq)
		s.out = append(s.out, r...)
	}
	last := s.seq
	if err := unix.Sendto(s.fd, s.out, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, err
	}
	// The kernel handled the batch within sendmsg: its answers wait.
	errs := make([]error, len(reqs))
	for {
		msgs, err := s.receive()
		if err != nil {
			return nil, &lostError{err}
		}
		for _, m := range msgs {
			seq := ne.Uint32(m[8:])
			if seq < first || seq > last || ne.Uint16(m[4:]) != unix.NLMSG_ERROR {
				continue // an answer to an earlier exchange
			}
			if err := ackError(m); err != nil {
				errs[seq-first] = err
			}
			if seq == last {
				return errs, nil
			}
		}
	}
}

// receive reads one datagram and returns its messages.
func (s *rtnl) receive() ([][]byte, error) {
	for {
		n, _, flags, _, err := unix.Recvmsg(s.fd, s.in, nil, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if flags&unix.MSG_TRUNC != 0 {
			return nil, errors.New("a netlink message did not fit the receive buffer")
		}
		return splitMessages(s.in[:n])
	}
}

// splitMessages cuts a datagram into its netlink messages, headers kept.
func splitMessages(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(ne.Uint32(b))
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			return nil, fmt.Errorf("a netlink message of %d bytes in %d", l, len(b))
		}
		out = append(out, b[:l])
		b = b[min(nlAlign(l), len(b)):]
	}
	return out, nil
}

// ackError reads an NLMSG_ERROR message: nil for an ack, else the errno
// with the kernel's words when extended acks give them.
func ackError(m []byte) error {
	hdrFlags := ne.Uint16(m[6:])
	data := m[unix.NLMSG_HDRLEN:]
	if len(data) < 4 {
		return errors.New("a netlink error message without its error")
	}
	code := int32(ne.Uint32(data))
	if code == 0 {
		return nil
	}
	e := &kernelError{errno: unix.Errno(-code)}
	if hdrFlags&unix.NLM_F_ACK_TLVS == 0 || len(data) < 4+unix.NLMSG_HDRLEN {
		return e
	}
	// After the error, the request's header, or all of the request when
	// the ack is not capped; then the attributes.
	skip := 4 + unix.NLMSG_HDRLEN
	if hdrFlags&unix.NLM_F_CAPPED == 0 {
		skip = 4 + nlAlign(int(ne.Uint32(data[4:])))
	}
	if skip > len(data) {
		return e
	}
	forAttrs(data[skip:], func(typ uint16, v []byte) {
		if typ == unix.NLMSGERR_ATTR_MSG {
			e.words = unix.ByteSliceToString(v)
		}
	})
	return e
}

// dump sends a dump request and calls each with every answer of type
// want (the message's fixed part and attributes, header removed). A dump
// that changes in the middle ends in netlink.ErrDumpInterrupted, after
// all its messages, as with vishvananda/netlink.
func (s *rtnl) dump(req []byte, want uint16, each func(data []byte)) error {
	s.seq++
	ne.PutUint32(req[8:], s.seq)
	ne.PutUint16(req[6:], ne.Uint16(req[6:])|unix.NLM_F_DUMP)
	if err := unix.Sendto(s.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	intr := false
	for {
		msgs, err := s.receive()
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if ne.Uint32(m[8:]) != s.seq {
				continue
			}
			if ne.Uint16(m[6:])&unix.NLM_F_DUMP_INTR != 0 {
				intr = true
			}
			switch ne.Uint16(m[4:]) {
			case unix.NLMSG_DONE:
				if len(m) >= unix.NLMSG_HDRLEN+4 {
					if code := int32(ne.Uint32(m[unix.NLMSG_HDRLEN:])); code < 0 {
						return unix.Errno(-code)
					}
				}
				if intr {
					return netlink.ErrDumpInterrupted
				}
				return nil
			case unix.NLMSG_ERROR:
				if err := ackError(m); err != nil {
					return err
				}
				return nil
			case want:
				each(m[unix.NLMSG_HDRLEN:])
			}
		}
	}
}

// ne is the byte order of netlink's headers and attributes.
var ne = binary.NativeEndian

func nlAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

// forAttrs calls f with the type (flags removed) and value of each
// attribute of b.
func forAttrs(b []byte, f func(typ uint16, v []byte)) {
	for len(b) >= unix.SizeofRtAttr {
		l := int(ne.Uint16(b))
		if l < unix.SizeofRtAttr || l > len(b) {
			return
		}
		f(ne.Uint16(b[2:])&nlaTypeMask, b[unix.SizeofRtAttr:l])
		b = b[min(nlAlign(l), len(b)):]
	}
}

// msg builds one netlink request: its header, the fixed part of its
// family (rtmsg, ifaddrmsg…), then its attributes.
type msg []byte

func newMsg(typ, flags uint16, fixedLen int) msg {
	m := make(msg, unix.NLMSG_HDRLEN+nlAlign(fixedLen), 96)
	ne.PutUint16(m[4:], typ)
	ne.PutUint16(m[6:], unix.NLM_F_REQUEST|flags)
	return m
}

// fixed is the family's fixed part, to fill in.
func (m msg) fixed() []byte { return m[unix.NLMSG_HDRLEN:] }

func (m msg) attr(typ uint16, v []byte) msg {
	l := unix.SizeofRtAttr + len(v)
	m = ne.AppendUint16(m, uint16(l))
	m = ne.AppendUint16(m, typ)
	m = append(m, v...)
	for len(m)%unix.NLMSG_ALIGNTO != 0 {
		m = append(m, 0)
	}
	return m
}

func (m msg) u32(typ uint16, v uint32) msg { return m.attr(typ, ne.AppendUint32(nil, v)) }

func (m msg) u8(typ uint16, v uint8) msg { return m.attr(typ, []byte{v}) }

func (m msg) str(typ uint16, v string) msg { return m.attr(typ, append([]byte(v), 0)) }

// bytes sets the message's length and returns it.
func (m msg) bytes() []byte {
	ne.PutUint32(m, uint32(len(m)))
	return m
}

// nlaTypeMask removes NLA_F_NESTED and NLA_F_NET_BYTEORDER from an
// attribute's type.
const nlaTypeMask = 0x3fff
