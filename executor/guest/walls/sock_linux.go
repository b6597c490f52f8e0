package walls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// The socket hooks of a guest on the host's network (net.confine,
// util-vserver's network context): BPF programs of type
// cgroup/sock_addr attached to the guest's cgroup v2 folder, which every
// process of the guest is in. With V its IPv4 addresses and W its IPv6
// ones (the first of each family first):
//
//	bind4     127.0.0.0/8, 0.0.0.0 → V[0]; ∈ V → allowed, below 1024 too; else EPERM
//	bind6     ::, ::1 → W[0] (::ffff:V[0] without W); ::ffff:a as bind4; ∈ W → allowed; else EPERM
//	connect4  to 127.0.0.0/8 → to V[0]; the socket is bound to V[0] (bpf_bind)
//	          unless it is bound already, which must be to an address of V
//	connect6  the same with W, and V for ::ffff:a
//	sendmsg4  to 127.0.0.0/8 → to V[0]; from an address of V, else from V[0]
//	sendmsg6  the same with W, and V for ::ffff:a
//
// A guest without addresses of a family binds, connects and sends nothing
// of that family. The programs stay attached with the cgroup (they go
// when it is removed), not with a file descriptor of vsc's.

// struct bpf_sock_addr (linux/bpf.h) offsets.
const (
	saUserIP4   = 4
	saUserIP6   = 8
	saMsgSrcIP4 = 40
	saMsgSrcIP6 = 44
	saSk        = 64
	// struct bpf_sock
	skSrcIP4 = 24
	skSrcIP6 = 28
)

// Return values of the programs: 0 refuses (EPERM); 1 allows; 3 allows a
// bind and waives CAP_NET_BIND_SERVICE (Linux 5.14).
const (
	hookDeny          = 0
	hookAllow         = 1
	hookAllowLowPorts = 3
	afInet, afInet6   = 2, 10
	sockaddrIn6Length = 28
)

// words are an address as the four 32-bit loads of a program read it
// (an IPv4 address is one word).
func words(a netip.Addr) []int32 {
	b := a.AsSlice()
	out := make([]int32, len(b)/4)
	for i := range out {
		out[i] = int32(binary.NativeEndian.Uint32(b[4*i:]))
	}
	return out
}

// loopback4 tells a word of 127.0.0.0/8: its first byte, in host order.
var (
	loopback4Mask = int32(binary.NativeEndian.Uint32([]byte{0xff, 0, 0, 0}))
	loopback4     = int32(binary.NativeEndian.Uint32([]byte{127, 0, 0, 0}))
	mappedWord    = int32(binary.NativeEndian.Uint32([]byte{0, 0, 0xff, 0xff})) // the third word of ::ffff:a
	oneWord       = int32(binary.NativeEndian.Uint32([]byte{0, 0, 0, 1}))       // the fourth word of ::1
)

// program builds one program, with labels of its own.
type program struct {
	insns asm.Instructions
	n     int
}

func (p *program) add(ins ...asm.Instruction) { p.insns = append(p.insns, ins...) }

func (p *program) label() string {
	p.n++
	return fmt.Sprintf("l%d", p.n)
}

// at marks the next instruction with label l.
func (p *program) at(l string, ins asm.Instruction) { p.add(ins.WithSymbol(l)) }

func (p *program) ret(v int32) { p.add(asm.Mov.Imm(asm.R0, v), asm.Return()) }

// jumpIfIn jumps to l when the words in regs equal one of addrs.
func (p *program) jumpIfIn(regs []asm.Register, addrs [][]int32, l string) {
	for _, a := range addrs {
		next := p.label()
		for i, r := range regs[:len(regs)-1] {
			p.add(asm.JNE.Imm32(r, a[i], next))
		}
		p.add(asm.JEq.Imm32(regs[len(regs)-1], a[len(a)-1], l))
		p.at(next, nop()) // a no-op to hang the label on
	}
}

// store writes words to ctx (R6) at off.
func (p *program) store(off int16, w []int32) {
	for i, v := range w {
		p.add(asm.Mov.Imm32(asm.R7, v), asm.StoreMem(asm.R6, off+int16(4*i), asm.R7, asm.Word))
	}
}

// loopback4To rewrites the IPv4 address in reg, read from ctx at off, to
// the word to when it is of 127.0.0.0/8.
func (p *program) loopback4To(reg asm.Register, off int16, to int32) {
	not := p.label()
	p.add(asm.Mov.Reg32(asm.R7, reg), asm.And.Imm32(asm.R7, loopback4Mask), asm.JNE.Imm32(asm.R7, loopback4, not))
	p.store(off, []int32{to})
	p.at(not, nop())
}

// loopback6To rewrites the destination in R2..R5 (ctx's user_ip6) to the
// words of to when it is ::1.
func (p *program) loopback6To(to []int32) {
	not := p.label()
	p.add(asm.JNE.Imm32(asm.R2, 0, not), asm.JNE.Imm32(asm.R3, 0, not), asm.JNE.Imm32(asm.R4, 0, not),
		asm.JNE.Imm32(asm.R5, oneWord, not))
	p.store(saUserIP6, to)
	p.at(not, nop())
}

// end returns 0 at deny and ok at allow.
func (p *program) end(deny, allow string, ok int32) {
	p.at(deny, asm.Mov.Imm(asm.R0, hookDeny))
	p.add(asm.Return())
	p.at(allow, asm.Mov.Imm(asm.R0, ok))
	p.add(asm.Return())
}

// mappedWords are IPv4 addresses as ::ffff:a.
func mappedWords(v4 [][]int32) [][]int32 {
	var out [][]int32
	for _, a := range v4 {
		out = append(out, []int32{0, 0, mappedWord, a[0]})
	}
	return out
}

// confinement is what the programs are made from.
type confinement struct {
	v4, v6 [][]int32 // the guest's addresses as words
	bindOK int32     // what an allowed bind returns
}

func newConfinement(addrs []netip.Addr, lowPorts bool) confinement {
	c := confinement{bindOK: hookAllow}
	if lowPorts {
		c.bindOK = hookAllowLowPorts
	}
	for _, a := range addrs {
		if a.Unmap().Is4() {
			c.v4 = append(c.v4, words(a.Unmap()))
		} else {
			c.v6 = append(c.v6, words(a))
		}
	}
	return c
}

func (c confinement) bind4() asm.Instructions {
	p := &program{}
	if len(c.v4) == 0 {
		p.ret(hookDeny)
		return p.insns
	}
	rewrite, allow := p.label(), p.label()
	p.add(asm.Mov.Reg(asm.R6, asm.R1),
		asm.LoadMem(asm.R2, asm.R6, saUserIP4, asm.Word),
		asm.JEq.Imm32(asm.R2, 0, rewrite),
		asm.Mov.Reg32(asm.R3, asm.R2), asm.And.Imm32(asm.R3, loopback4Mask),
		asm.JEq.Imm32(asm.R3, loopback4, rewrite))
	p.jumpIfIn([]asm.Register{asm.R2}, c.v4, allow)
	p.ret(hookDeny)
	p.at(rewrite, asm.Mov.Imm32(asm.R7, c.v4[0][0]))
	p.add(asm.StoreMem(asm.R6, saUserIP4, asm.R7, asm.Word))
	p.at(allow, asm.Mov.Imm(asm.R0, c.bindOK))
	p.add(asm.Return())
	return p.insns
}

// load6 loads the four words of an IPv6 address of ctx at off into
// R2..R5.
func (p *program) load6(off int16) {
	for i, r := range []asm.Register{asm.R2, asm.R3, asm.R4, asm.R5} {
		p.add(asm.LoadMem(r, asm.R6, off+int16(4*i), asm.Word))
	}
}

var regs6 = []asm.Register{asm.R2, asm.R3, asm.R4, asm.R5}

// mapped jumps to l when R2..R4 are those of ::ffff:a (a in R5).
func (p *program) mapped(l string) {
	not := p.label()
	p.add(asm.JNE.Imm32(asm.R2, 0, not), asm.JNE.Imm32(asm.R3, 0, not), asm.JEq.Imm32(asm.R4, mappedWord, l))
	p.at(not, nop())
}

// loopbackIn4 jumps to l when the word in r is 0 or of 127.0.0.0/8.
func (p *program) wildOrLoopback4(r asm.Register, l string) {
	p.add(asm.JEq.Imm32(r, 0, l),
		asm.Mov.Reg32(asm.R7, r), asm.And.Imm32(asm.R7, loopback4Mask),
		asm.JEq.Imm32(asm.R7, loopback4, l))
}

func (c confinement) bind6() asm.Instructions {
	p := &program{}
	isMapped, rewriteMapped, rewrite, allow, deny, notWild := p.label(), p.label(), p.label(), p.label(), p.label(), p.label()
	p.add(asm.Mov.Reg(asm.R6, asm.R1))
	p.load6(saUserIP6)
	p.mapped(isMapped)
	// ::, ::1
	p.add(asm.JNE.Imm32(asm.R2, 0, notWild), asm.JNE.Imm32(asm.R3, 0, notWild), asm.JNE.Imm32(asm.R4, 0, notWild),
		asm.JEq.Imm32(asm.R5, 0, rewrite), asm.JEq.Imm32(asm.R5, oneWord, rewrite))
	p.at(notWild, nop())
	p.jumpIfIn(regs6, c.v6, allow)
	p.add(asm.Ja.Label(deny))
	p.at(isMapped, nop())
	p.wildOrLoopback4(asm.R5, rewriteMapped)
	p.jumpIfIn([]asm.Register{asm.R5}, c.v4, allow)
	p.add(asm.Ja.Label(deny))
	p.at(rewrite, nop())
	switch {
	case len(c.v6) > 0:
		p.store(saUserIP6, c.v6[0])
		p.add(asm.Ja.Label(allow))
	case len(c.v4) > 0:
		p.store(saUserIP6, mappedWords(c.v4[:1])[0])
		p.add(asm.Ja.Label(allow))
	default:
		p.add(asm.Ja.Label(deny))
	}
	p.at(rewriteMapped, nop())
	if len(c.v4) > 0 {
		p.store(saUserIP6+12, c.v4[0])
		p.add(asm.Ja.Label(allow))
	}
	p.end(deny, allow, c.bindOK)
	return p.insns
}

// bindTo calls bpf_bind on the socket with the address of words w (one
// word: IPv4; four: IPv6), port 0; R0 is its result.
func (p *program) bindTo(w []int32) {
	// A sockaddr_in or sockaddr_in6 on the stack, zeroed.
	p.add(asm.Mov.Imm(asm.R7, 0))
	for off := int16(-32); off < 0; off += 8 {
		p.add(asm.StoreMem(asm.RFP, off, asm.R7, asm.DWord))
	}
	family, addrOff, size := int32(afInet), int16(-28), int32(16)
	if len(w) == 4 {
		family, addrOff, size = afInet6, -24, sockaddrIn6Length
	}
	p.add(asm.Mov.Imm32(asm.R7, family), asm.StoreMem(asm.RFP, -32, asm.R7, asm.Half))
	for i, v := range w {
		p.add(asm.Mov.Imm32(asm.R7, v), asm.StoreMem(asm.RFP, addrOff+int16(4*i), asm.R7, asm.Word))
	}
	p.add(asm.Mov.Reg(asm.R1, asm.R6), asm.Mov.Reg(asm.R2, asm.RFP), asm.Add.Imm(asm.R2, -32),
		asm.Mov.Imm(asm.R3, size), asm.FnBind.Call())
}

func (c confinement) connect4() asm.Instructions {
	p := &program{}
	if len(c.v4) == 0 {
		p.ret(hookDeny)
		return p.insns
	}
	deny, allow := p.label(), p.label()
	p.add(asm.Mov.Reg(asm.R6, asm.R1), asm.LoadMem(asm.R2, asm.R6, saUserIP4, asm.Word))
	p.loopback4To(asm.R2, saUserIP4, c.v4[0][0])
	p.bindTo(c.v4[0])
	p.add(asm.JEq.Imm(asm.R0, 0, allow),
		// Bound already: from one of its addresses only.
		asm.LoadMem(asm.R2, asm.R6, saSk, asm.DWord),
		asm.LoadMem(asm.R3, asm.R2, skSrcIP4, asm.Word))
	p.jumpIfIn([]asm.Register{asm.R3}, c.v4, allow)
	p.add(asm.Ja.Label(deny))
	p.end(deny, allow, hookAllow)
	return p.insns
}

func (c confinement) connect6() asm.Instructions {
	p := &program{}
	isMapped, allow, deny, check := p.label(), p.label(), p.label(), p.label()
	p.add(asm.Mov.Reg(asm.R6, asm.R1))
	p.load6(saUserIP6)
	p.mapped(isMapped)
	if len(c.v6) == 0 {
		p.add(asm.Ja.Label(deny))
	} else {
		p.loopback6To(c.v6[0])
		p.bindTo(c.v6[0])
		p.add(asm.JEq.Imm(asm.R0, 0, allow), asm.Ja.Label(check))
	}
	p.at(isMapped, nop())
	if len(c.v4) == 0 {
		p.add(asm.Ja.Label(deny))
	} else {
		p.loopback4To(asm.R5, saUserIP6+12, c.v4[0][0])
		p.bindTo(mappedWords(c.v4[:1])[0])
		p.add(asm.JEq.Imm(asm.R0, 0, allow))
	}
	// Bound already: from one of its addresses only.
	p.at(check, asm.LoadMem(asm.R7, asm.R6, saSk, asm.DWord))
	for i, r := range regs6 {
		p.add(asm.LoadMem(r, asm.R7, skSrcIP6+int16(4*i), asm.Word))
	}
	p.jumpIfIn(regs6, c.v6, allow)
	p.jumpIfIn(regs6, mappedWords(c.v4), allow)
	p.end(deny, allow, hookAllow)
	return p.insns
}

func (c confinement) sendmsg4() asm.Instructions {
	p := &program{}
	if len(c.v4) == 0 {
		p.ret(hookDeny)
		return p.insns
	}
	allow := p.label()
	p.add(asm.Mov.Reg(asm.R6, asm.R1), asm.LoadMem(asm.R2, asm.R6, saUserIP4, asm.Word))
	p.loopback4To(asm.R2, saUserIP4, c.v4[0][0])
	p.add(asm.LoadMem(asm.R3, asm.R6, saMsgSrcIP4, asm.Word))
	p.jumpIfIn([]asm.Register{asm.R3}, c.v4, allow)
	p.store(saMsgSrcIP4, c.v4[0])
	p.at(allow, asm.Mov.Imm(asm.R0, hookAllow))
	p.add(asm.Return())
	return p.insns
}

func (c confinement) sendmsg6() asm.Instructions {
	p := &program{}
	isMapped, allow, deny := p.label(), p.label(), p.label()
	p.add(asm.Mov.Reg(asm.R6, asm.R1))
	p.load6(saUserIP6)
	p.mapped(isMapped)
	// From one of the family's addresses, else from the first.
	from := func(own [][]int32) {
		p.load6(saMsgSrcIP6)
		p.jumpIfIn(regs6, own, allow)
		p.store(saMsgSrcIP6, own[0])
		p.add(asm.Ja.Label(allow))
	}
	if len(c.v6) == 0 {
		p.add(asm.Ja.Label(deny))
	} else {
		p.loopback6To(c.v6[0])
		from(c.v6)
	}
	p.at(isMapped, nop())
	if len(c.v4) == 0 {
		p.add(asm.Ja.Label(deny))
	} else {
		p.loopback4To(asm.R5, saUserIP6+12, c.v4[0][0])
		from(mappedWords(c.v4))
	}
	p.end(deny, allow, hookAllow)
	return p.insns
}

// hooks are the programs of a confinement, by attach type.
func (c confinement) hooks() []struct {
	attach ebpf.AttachType
	insns  asm.Instructions
} {
	return []struct {
		attach ebpf.AttachType
		insns  asm.Instructions
	}{
		{ebpf.AttachCGroupInet4Bind, prune(c.bind4())},
		{ebpf.AttachCGroupInet6Bind, prune(c.bind6())},
		{ebpf.AttachCGroupInet4Connect, prune(c.connect4())},
		{ebpf.AttachCGroupInet6Connect, prune(c.connect6())},
		{ebpf.AttachCGroupUDP4Sendmsg, prune(c.sendmsg4())},
		{ebpf.AttachCGroupUDP6Sendmsg, prune(c.sendmsg6())},
	}
}

// Confine attaches the socket hooks of a guest with addresses addrs to
// its cgroup v2 folder dir. lowPorts reports whether binds below port
// 1024 are waived CAP_NET_BIND_SERVICE (Linux 5.14 and later); on older
// kernels the hooks are attached without it, and a guest's root cannot
// bind those ports.
func Confine(dir string, addrs []netip.Addr) (lowPorts bool, err error) {
	cg, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, fmt.Errorf("net.confine: the guest's cgroup v2 folder: %w", err)
	}
	defer unix.Close(cg)
	lowPorts = true
	for _, h := range newConfinement(addrs, true).hooks() {
		prog, err := load(h.attach, h.insns)
		if err != nil && lowPorts && isBind(h.attach) {
			// Before Linux 5.14 a bind hook returns 0 or 1 only.
			lowPorts = false
			prog, err = load(h.attach, bindHookFor(h.attach, newConfinement(addrs, false)))
		}
		if err != nil {
			return false, err
		}
		err = link.RawAttachProgram(link.RawAttachProgramOptions{Target: cg, Program: prog, Attach: h.attach, Flags: unix.BPF_F_ALLOW_MULTI})
		prog.Close()
		if err != nil {
			return false, fmt.Errorf("net.confine: cannot attach the %s hook to %s: %w%s", hookName(h.attach), dir, err, bpfHint(err))
		}
	}
	return lowPorts, nil
}

func isBind(a ebpf.AttachType) bool {
	return a == ebpf.AttachCGroupInet4Bind || a == ebpf.AttachCGroupInet6Bind
}

func bindHookFor(a ebpf.AttachType, c confinement) asm.Instructions {
	if a == ebpf.AttachCGroupInet4Bind {
		return prune(c.bind4())
	}
	return prune(c.bind6())
}

func load(attach ebpf.AttachType, insns asm.Instructions) (*ebpf.Program, error) {
	prog, err := ebpf.NewProgramWithOptions(&ebpf.ProgramSpec{
		Name: "vsc_" + strings.ReplaceAll(hookName(attach), "/", "_"), Type: ebpf.CGroupSockAddr, AttachType: attach,
		Instructions: insns, License: "GPL",
	}, ebpf.ProgramOptions{LogDisabled: false})
	if err != nil {
		hint := ""
		if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
			hint = bpfHint(err)
		}
		return nil, fmt.Errorf("net.confine: the kernel refuses the %s hook: %w%s", hookName(attach), err, hint)
	}
	return prog, nil
}

func hookName(a ebpf.AttachType) string {
	switch a {
	case ebpf.AttachCGroupInet4Bind:
		return "bind4"
	case ebpf.AttachCGroupInet6Bind:
		return "bind6"
	case ebpf.AttachCGroupInet4Connect:
		return "connect4"
	case ebpf.AttachCGroupInet6Connect:
		return "connect6"
	case ebpf.AttachCGroupUDP4Sendmsg:
		return "sendmsg4"
	case ebpf.AttachCGroupUDP6Sendmsg:
		return "sendmsg6"
	}
	return a.String()
}

func bpfHint(err error) string {
	switch {
	case errors.Is(err, unix.ENOSYS):
		return " (this kernel lacks the bpf syscall: CONFIG_BPF_SYSCALL)"
	case errors.Is(err, unix.EPERM):
		return " (loading BPF programs needs CAP_BPF or CAP_SYS_ADMIN)"
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.EOPNOTSUPP):
		return " (the kernel lacks cgroup socket hooks: CONFIG_CGROUP_BPF, Linux 4.17)"
	}
	return ""
}

// nop is an instruction to hang a label on: it writes R0, which every
// path writes again before it returns.
func nop() asm.Instruction { return asm.Mov.Imm(asm.R0, 0) }

// prune drops the instructions no path reaches (the kernel's verifier
// refuses them): a block for a family the guest has no address of leaves
// some behind.
func prune(insns asm.Instructions) asm.Instructions {
	at := map[string]int{}
	for i, ins := range insns {
		if s := ins.Symbol(); s != "" {
			at[s] = i
		}
	}
	seen := make([]bool, len(insns))
	work := []int{0}
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		if i >= len(insns) || seen[i] {
			continue
		}
		seen[i] = true
		ins := insns[i]
		op := ins.OpCode
		if op.Class().IsJump() && op.JumpOp() != asm.Call {
			if op.JumpOp() == asm.Exit {
				continue
			}
			if t, ok := at[ins.Reference()]; ok {
				work = append(work, t)
			}
			if op.JumpOp() == asm.Ja {
				continue
			}
		}
		work = append(work, i+1)
	}
	var out asm.Instructions
	for i, ins := range insns {
		if seen[i] {
			out = append(out, ins)
		}
	}
	return out
}
