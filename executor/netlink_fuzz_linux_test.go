package executor

import (
	"encoding/binary"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"vsc/ir"
)

// FuzzNetlinkReplies feeds arbitrary bytes to vsc's readers of the
// kernel's netlink answers, as a buggy or hostile peer could send them:
// splitting a datagram into messages, reading an error ack and its
// extended-ack text, reading a route of a dump. They return errors or
// skip, and never panic or read out of bounds.
func FuzzNetlinkReplies(f *testing.F) {
	msg := func(typ uint16, payload []byte) []byte {
		m := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(payload))
		binary.NativeEndian.PutUint32(m, uint32(unix.NLMSG_HDRLEN+len(payload)))
		binary.NativeEndian.PutUint16(m[4:], typ)
		return append(m, payload...)
	}
	attr := func(typ uint16, v []byte) []byte {
		a := make([]byte, 4, 4+len(v))
		binary.NativeEndian.PutUint16(a, uint16(4+len(v)))
		binary.NativeEndian.PutUint16(a[2:], typ)
		a = append(a, v...)
		for len(a)%4 != 0 {
			a = append(a, 0)
		}
		return a
	}
	// An error ack with the kernel's words, capped.
	ack := binary.NativeEndian.AppendUint32(nil, uint32(0x100000000-int64(unix.ENETUNREACH)))
	ack = append(ack, make([]byte, unix.NLMSG_HDRLEN)...)
	ack = append(ack, attr(unix.NLMSGERR_ATTR_MSG, []byte("Nexthop has invalid gateway\x00"))...)
	errMsg := msg(unix.NLMSG_ERROR, ack)
	binary.NativeEndian.PutUint16(errMsg[6:], unix.NLM_F_ACK_TLVS|unix.NLM_F_CAPPED)
	f.Add(errMsg)
	// A route of table 100 to 172.16.0.0/30 on link 2, protocol 118.
	rt := make([]byte, unix.SizeofRtMsg)
	rt[0], rt[1], rt[4], rt[5], rt[7] = unix.AF_INET, 30, 100, vscProtocol, unix.RTN_UNICAST
	rt = append(rt, attr(unix.RTA_DST, []byte{172, 16, 0, 0})...)
	rt = append(rt, attr(unix.RTA_OIF, binary.NativeEndian.AppendUint32(nil, 2))...)
	rt = append(rt, attr(unix.RTA_TABLE, binary.NativeEndian.AppendUint32(nil, 100))...)
	f.Add(append(msg(unix.RTM_NEWROUTE, rt), msg(unix.NLMSG_DONE, make([]byte, 4))...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	names := map[int]string{2: "eth0"}
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, err := splitMessages(data)
		if err != nil {
			return
		}
		var routes []liveRoute
		var keys []string
		for _, m := range msgs {
			if len(m) < unix.NLMSG_HDRLEN {
				t.Fatalf("a message of %d bytes", len(m))
			}
			if binary.NativeEndian.Uint16(m[4:]) == unix.NLMSG_ERROR {
				ackError(m)
				continue
			}
			if r, ok := parseRoute(m[unix.NLMSG_HDRLEN:]); ok {
				key, body := routeBody(r, names)
				if !strings.HasPrefix(key, "route:") || body == nil {
					t.Fatalf("route read as %q %v", key, body)
				}
				routes = append(routes, r)
				keys = append(keys, key+" "+ir.BodyText(body))
			}
		}
		// What was read owns its bytes: the receive buffer it came from is
		// overwritten by the next read.
		for i := range data {
			data[i] = 0xa5
		}
		for i, r := range routes {
			key, body := routeBody(r, names)
			if got := key + " " + ir.BodyText(body); got != keys[i] {
				t.Fatalf("route %d read as %q, then %q once its buffer was reused", i, keys[i], got)
			}
		}
	})
}
