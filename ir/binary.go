package ir

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"reflect"
	"slices"
	"sync"
)

// The binary form is vsc's own, for its state files (the compiled-plan
// cache, the executor's record and journal), where reading and writing
// JSON costs more than the work around it. It is not a contract: only
// the vsc that wrote a file is sure to read it (see docs/plan.md).
//
// A plan, and one op, is a frame:
//
//	magic[4] version[1] length[4] payload[length] crc[4]
//
// with the magic "vscP" (a plan) or "vscO" (an op), version
// planVersion or opVersion, length and crc little-endian, and crc the
// CRC-32C of all the bytes before it. The length tells a record cut
// short (a crash while appending to a journal) from a damaged one (the
// crc).
//
// A plan's payload is
//
//	format_version host source source_digest observed_digest plan_digest
//	kinds: count, then per kind: name, ops of the kind, fields: count, then per field: name, type
//	ops: count+1 (0 for nil), then per op: kind (index in kinds), owner, origin, after, its fields
//
// with the fields of each op in the order its kind lists them. An op's
// id is its position. An op's payload is its kind as above without the
// ops count, then its id, owner, origin, after and fields.
//
// Kinds and fields go by name, so that a file stays readable when kinds
// or omitempty fields are added; the counts of ops let the decoder
// allocate the ops, and the bodies of each kind, at once.
//
// Values: integers are varints, zigzag for signed ones; a bool is a byte
// 0 or 1. A string is a varint x: 2·len then the bytes, a new string,
// or 2·i+1 for the i-th new non-empty string again (owners, dev names
// and origins repeat). A list is count+1 (0 for nil, so that nil and
// empty lists both survive), then its elements; the after list writes
// its first id, then each id's distance from the one before it less
// one: sorted without duplicates by construction, and one byte for each
// dependency on one of the 128 ops before the last (a guest's step on
// the step before it, a route on the route before it).

// The versions of the frames this vsc writes. A plan of version 1 (the
// executor's records of an older vsc) has no plan_digest in its header;
// it is read as a plan with none. Op frames have not changed.
const (
	planVersion = 2
	opVersion   = 1
)

// readVersions are the versions of each frame this vsc reads.
var readVersions = map[string][]byte{planMagic: {1, planVersion}, opMagic: {opVersion}}

const (
	planMagic = "vscP"
	opMagic   = "vscO"

	frameHead = len(planMagic) + 1 + 4
	frameTail = 4
)

// minOpBytes is the least an op takes in a plan's payload: its kind,
// owner, origin and after list, a byte each.
const minOpBytes = 4

// castagnoli is the CRC-32C table of the payload checksum, made on first
// use so that starting vsc does not pay for it.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// binaryType is how a field's type is written in a payload's kinds. The
// codes are fixed: fieldType's values may change, a file's may not.
var binaryType = map[fieldType]byte{
	typeString:  's',
	typeBool:    'b',
	typeInt:     'i',
	typeUint:    'u',
	typeStrings: 'l',
}

// MarshalBinary returns the plan in vsc's private binary form, which
// DecodeBinary reads back deep-equal. It fails on what Decode and Verify
// would never let through: a nil op or body, an id that is not the op's
// position, an after list that is not sorted ids of earlier ops.
func (p *Plan) MarshalBinary() ([]byte, error) {
	// The kinds in order of first use, with their counts of ops.
	type kindUse struct {
		e     *kindEntry
		count int
		last  []lastString // per field
	}
	var kinds []kindUse
	kindOf := make([]uint16, len(p.Ops))
	nafter := 0
	var (
		lastKind Kind
		e        *kindEntry
	)
	for i, op := range p.Ops {
		if op == nil {
			return nil, fmt.Errorf("op %d: the op is missing (nil)", i)
		}
		if _, ok := bodyValue(op.Body); !ok {
			return nil, fmt.Errorf("op %d: %w", i, errNoBody)
		}
		kind := op.Body.Kind()
		if kind != lastKind || e == nil {
			if e = lookup(kind); e == nil {
				return nil, fmt.Errorf("%s: kind: unknown kind", opName(i, op))
			}
			lastKind = kind
		}
		k := 0
		for k < len(kinds) && kinds[k].e != e {
			k++
		}
		if k == len(kinds) {
			kinds = append(kinds, kindUse{e: e, last: make([]lastString, len(e.fields))})
		}
		kinds[k].count++
		kindOf[i] = uint16(k)
		nafter += len(op.After)
	}

	w := binWriter{b: make([]byte, 0, 256+24*len(p.Ops)+nafter), strs: make(map[string]uint32, len(p.Ops)/2+16)}
	w.frame(planMagic)
	w.str(p.FormatVersion)
	w.str(p.Host)
	w.str(p.Source)
	w.str(p.SourceDigest)
	w.str(p.ObservedDigest)
	w.str(p.PlanDigest)
	w.uvarint(uint64(len(kinds)))
	for _, k := range kinds {
		w.str(string(k.e.Kind))
		w.uvarint(uint64(k.count))
		w.schema(k.e)
	}
	w.list(p.Ops == nil, len(p.Ops))
	for i, op := range p.Ops {
		if op.ID != i {
			return nil, fmt.Errorf("%s: id: %d is not the op's position %d", opName(i, op), op.ID, i)
		}
		w.uvarint(uint64(kindOf[i]))
		k := &kinds[kindOf[i]]
		if err := w.op(op, k.e, k.last, len(p.Ops)); err != nil {
			return nil, fmt.Errorf("%s: %w", opName(i, op), err)
		}
	}
	return w.endFrame()
}

// AppendBinary appends the op to b as one record in vsc's private
// binary form, which DecodeOpBinary and NextOpBinary read back
// deep-equal. Records may be appended one after the other (a journal):
// each says its own length, kind and field names.
func (op *Op) AppendBinary(b []byte) ([]byte, error) {
	if _, ok := bodyValue(op.Body); !ok {
		return b, errNoBody
	}
	e := lookup(op.Body.Kind())
	if e == nil {
		return b, fmt.Errorf("kind: unknown kind %q", op.Body.Kind())
	}
	if op.ID < 0 {
		return b, fmt.Errorf("id: %d is negative", op.ID)
	}
	w := binWriter{b: b} // no string table: an op repeats few strings
	start := w.frame(opMagic)
	w.str(string(e.Kind))
	w.schema(e)
	w.uvarint(uint64(op.ID))
	if err := w.op(op, e, nil, math.MaxInt); err != nil {
		return b[:start], fmt.Errorf("%s: %w", opName(op.ID, op), err)
	}
	return w.endFrame()
}

// binWriter appends a frame to b.
type binWriter struct {
	b     []byte
	start int               // of the frame
	strs  map[string]uint32 // the new strings so far, nil to write each string anew

	owner, origin lastString
}

func (w *binWriter) frame(magic string) int {
	version := byte(planVersion)
	if magic == opMagic {
		version = opVersion
	}
	w.start = len(w.b)
	w.b = append(w.b, magic...)
	w.b = append(w.b, version, 0, 0, 0, 0) // the length, once known
	return w.start
}

func (w *binWriter) endFrame() ([]byte, error) {
	n := len(w.b) - w.start - frameHead
	if n > math.MaxUint32 {
		return w.b[:w.start], errors.New("the binary form is larger than 4 GiB")
	}
	binary.LittleEndian.PutUint32(w.b[w.start+frameHead-4:], uint32(n))
	return binary.LittleEndian.AppendUint32(w.b, crc32.Checksum(w.b[w.start:], castagnoli())), nil
}

func (w *binWriter) uvarint(x uint64) {
	if x < 0x80 {
		w.b = append(w.b, byte(x))
		return
	}
	w.b = binary.AppendUvarint(w.b, x)
}

func (w *binWriter) str(s string) { w.strAt(nil, s) }

// lastString is the string last written at one place (an op's owner, a
// field of a kind) and its index among the new strings.
type lastString struct {
	s string
	i uint32
}

// strAt writes s at the place whose last string is *last, if not nil:
// in a run of ops of one owner, kind and dev, comparing with the last
// string spares hashing it.
func (w *binWriter) strAt(last *lastString, s string) {
	if s == "" {
		w.b = append(w.b, 0)
		return
	}
	if w.strs == nil {
		w.uvarint(uint64(len(s)) << 1)
		w.b = append(w.b, s...)
		return
	}
	if last != nil && last.s == s {
		w.uvarint(uint64(last.i)<<1 | 1)
		return
	}
	i, ok := w.strs[s]
	if ok {
		w.uvarint(uint64(i)<<1 | 1)
	} else {
		i = uint32(len(w.strs))
		w.strs[s] = i
		w.uvarint(uint64(len(s)) << 1)
		w.b = append(w.b, s...)
	}
	if last != nil {
		*last = lastString{s, i}
	}
}

// list writes the count of a list, or that it is nil.
func (w *binWriter) list(isNil bool, n int) {
	if isNil {
		w.b = append(w.b, 0)
		return
	}
	w.uvarint(uint64(n) + 1)
}

// schema writes the fields of kind e: count, then each name and type.
func (w *binWriter) schema(e *kindEntry) {
	w.uvarint(uint64(len(e.fields)))
	for _, f := range e.fields {
		w.str(f.name)
		w.b = append(w.b, binaryType[f.typ])
	}
}

// op writes all of op but its kind and id. last holds the last string
// of each field of the kind, or is nil; n is the number of ops of the
// plan, for the message about an after id out of range.
func (w *binWriter) op(op *Op, e *kindEntry, last []lastString, n int) error {
	w.strAt(&w.owner, op.Owner)
	w.strAt(&w.origin, op.Origin)
	w.list(op.After == nil, len(op.After))
	prev := -1
	for k, a := range op.After {
		if a <= prev || a >= op.ID {
			return errors.New("after: " + afterProblem(op.After, k, op.ID, n))
		}
		w.uvarint(uint64(a - prev - 1))
		prev = a
	}
	v, _ := bodyValue(op.Body)
	for j, f := range e.fields {
		fv := v.Field(f.index)
		switch f.typ {
		case typeString:
			var l *lastString
			if last != nil {
				l = &last[j]
			}
			w.strAt(l, fv.String())
		case typeBool:
			if fv.Bool() {
				w.b = append(w.b, 1)
			} else {
				w.b = append(w.b, 0)
			}
		case typeInt:
			w.b = binary.AppendVarint(w.b, fv.Int())
		case typeUint:
			w.uvarint(fv.Uint())
		case typeStrings:
			w.list(fv.IsNil(), fv.Len())
			for j := range fv.Len() {
				w.str(fv.Index(j).String())
			}
		default:
			return fmt.Errorf("ir: field type %d not encoded", f.typ) // a bug here
		}
	}
	return nil
}

// DecodeBinary reads a plan written by Plan.MarshalBinary, strictly: a
// frame of another kind or version, a damaged or cut frame, trailing
// data, an unknown kind or field, a missing field that is not
// omitempty, a value out of range or an after id that is not earlier
// is an error. Like Decode it only parses, Verify judges the values,
// and it never panics, whatever the input. A frame cut short is an
// error wrapping io.ErrUnexpectedEOF.
//
// The plan's strings share one copy of data.
func DecodeBinary(data []byte) (*Plan, error) {
	payload, rest, err := openFrame(data, planMagic)
	if err != nil {
		return nil, fmt.Errorf("binary plan: %w", err)
	}
	if len(rest) > 0 {
		return nil, errors.New("binary plan: data after the plan")
	}
	return decodePlanPayload(payload, data[len(planMagic)])
}

// DecodeOpBinary reads exactly one op record written by Op.AppendBinary,
// as strictly as DecodeBinary reads a plan.
func DecodeOpBinary(data []byte) (*Op, error) {
	op, rest, err := NextOpBinary(data)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, errors.New("binary op: data after the op")
	}
	return op, nil
}

// NextOpBinary reads the op record at the start of data and returns it
// with the data after it, for a file of records appended one by one. It
// returns io.EOF when data is empty, and an error wrapping
// io.ErrUnexpectedEOF when the record is cut short: what a crash while
// appending leaves at the end of a file.
func NextOpBinary(data []byte) (op *Op, rest []byte, err error) {
	if len(data) == 0 {
		return nil, nil, io.EOF
	}
	payload, rest, err := openFrame(data, opMagic)
	if err != nil {
		return nil, nil, fmt.Errorf("binary op: %w", err)
	}
	r := newBinReader(payload)
	op, err = r.opRecord()
	if err != nil {
		return nil, nil, err
	}
	return op, rest, nil
}

var errChecksum = errors.New("checksum mismatch: the data is damaged")

// openFrame checks the frame at the start of data and returns its
// payload and the data after it.
func openFrame(data []byte, magic string) (payload, rest []byte, err error) {
	head := min(len(data), len(magic))
	if string(data[:head]) != magic[:head] {
		return nil, nil, fmt.Errorf("not vsc's binary form (magic %q, want %q)", data[:head], magic)
	}
	if len(data) < frameHead {
		return nil, nil, io.ErrUnexpectedEOF
	}
	if v := data[len(magic)]; !slices.Contains(readVersions[magic], v) {
		return nil, nil, fmt.Errorf("binary format version %d is not one this vsc reads (%v)", v, readVersions[magic])
	}
	n := binary.LittleEndian.Uint32(data[frameHead-4:])
	if len(data) < frameHead+frameTail || uint64(len(data)-frameHead-frameTail) < uint64(n) {
		return nil, nil, io.ErrUnexpectedEOF
	}
	end := frameHead + int(n)
	if crc32.Checksum(data[:end], castagnoli()) != binary.LittleEndian.Uint32(data[end:]) {
		return nil, nil, errChecksum
	}
	return data[frameHead:end], data[end+frameTail:], nil
}

// binReader reads a payload.
type binReader struct {
	data []byte
	s    string // data as a string, which the strings decoded share
	i    int
	strs []string // the new non-empty strings so far

	inPlan bool

	// Lists are cut from chunks: a plan's 250,000 after ids take a few
	// dozen allocations, none of them large (large ones cost the garbage
	// collector most).
	ints    []int
	strings []string
}

func newBinReader(payload []byte) *binReader {
	return &binReader{data: payload, s: string(payload)}
}

func (r *binReader) left() int { return len(r.data) - r.i }

func (r *binReader) byte() (byte, error) {
	if r.i >= len(r.data) {
		return 0, io.ErrUnexpectedEOF
	}
	r.i++
	return r.data[r.i-1], nil
}

func (r *binReader) uvarint() (uint64, error) {
	if r.i < len(r.data) && r.data[r.i] < 0x80 {
		r.i++
		return uint64(r.data[r.i-1]), nil
	}
	x, n := binary.Uvarint(r.data[r.i:])
	if n <= 0 {
		return 0, varintError(n)
	}
	r.i += n
	return x, nil
}

func (r *binReader) varint() (int64, error) {
	x, n := binary.Varint(r.data[r.i:])
	if n <= 0 {
		return 0, varintError(n)
	}
	r.i += n
	return x, nil
}

// varintError is why encoding/binary read no varint (n ≤ 0).
func varintError(n int) error {
	if n == 0 {
		return io.ErrUnexpectedEOF
	}
	return errors.New("integer overflows 64 bits")
}

// count reads a count of things that take at least size bytes each,
// refusing one that the rest of the payload cannot hold: a damaged count
// must not make the decoder allocate.
func (r *binReader) count(size int) (int, error) {
	x, err := r.uvarint()
	if err != nil {
		return 0, err
	}
	if x > uint64(r.left()/size) {
		return 0, fmt.Errorf("count %d is more than the %d bytes left can hold", x, r.left())
	}
	return int(x), nil
}

// list reads the count of a list whose elements take a byte at least;
// isNil reports a nil list.
func (r *binReader) list() (n int, isNil bool, err error) {
	x, err := r.uvarint()
	if err != nil || x == 0 {
		return 0, err == nil, err
	}
	if x-1 > uint64(r.left()) {
		return 0, false, fmt.Errorf("count %d is more than the %d bytes left can hold", x-1, r.left())
	}
	return int(x - 1), false, nil
}

func (r *binReader) str() (string, error) {
	x, err := r.uvarint()
	if err != nil {
		return "", err
	}
	if x&1 == 1 {
		if x>>1 >= uint64(len(r.strs)) {
			return "", fmt.Errorf("string %d again, of %d so far", x>>1, len(r.strs))
		}
		return r.strs[x>>1], nil
	}
	n := x >> 1
	if n > uint64(r.left()) {
		return "", io.ErrUnexpectedEOF
	}
	s := r.s[r.i : r.i+int(n)]
	r.i += int(n)
	if n > 0 {
		r.strs = append(r.strs, s)
	}
	return s, nil
}

// binKind is a kind as a payload lays it out: its registry row, the
// fields of the payload in its order, and within a plan the bodies of
// its ops.
type binKind struct {
	e      *kindEntry
	fields []binField
	bodies reflect.Value // a slice of the body structs
	used   int           // of the bodies
}

type binField struct {
	field
	bits int // of an integer field's Go type
}

// kind reads a kind's name and fields, checking them against the
// registry; within a plan it reads the kind's number of ops between
// them and makes their bodies, at most maxOps.
func (r *binReader) kind(maxOps int) (*binKind, error) {
	name, err := r.str()
	if err != nil {
		return nil, fmt.Errorf("kind: %w", err)
	}
	e := lookup(Kind(name))
	if e == nil {
		return nil, fmt.Errorf("kind: unknown kind %q", name)
	}
	k := &binKind{e: e}
	if r.inPlan {
		x, err := r.uvarint()
		switch {
		case err != nil:
		case x == 0:
			err = errors.New("no ops")
		case x > uint64(max(maxOps, 0)):
			err = fmt.Errorf("%d ops, more than the %d bytes left can hold", x, r.left())
		}
		if err != nil {
			return nil, fmt.Errorf("kind %s: %w", name, err)
		}
		k.bodies = reflect.MakeSlice(reflect.SliceOf(e.typ), int(x), int(x))
	}
	n, err := r.count(2) // a name and a type
	if err != nil {
		return nil, fmt.Errorf("kind %s: fields: %w", name, err)
	}
	seen := make([]bool, len(e.fields))
	for range n {
		fname, err := r.str()
		if err != nil {
			return nil, fmt.Errorf("kind %s: fields: %w", name, err)
		}
		code, err := r.byte()
		if err != nil {
			return nil, fmt.Errorf("kind %s: %s: %w", name, fname, err)
		}
		j := 0
		for j < len(e.fields) && e.fields[j].name != fname {
			j++
		}
		switch {
		case j == len(e.fields):
			return nil, fmt.Errorf("kind %s: %s: unknown field", name, fname)
		case seen[j]:
			return nil, fmt.Errorf("kind %s: %s: field listed twice", name, fname)
		case binaryType[e.fields[j].typ] != code:
			return nil, fmt.Errorf("kind %s: %s: type %q, want %q", name, fname, code, binaryType[e.fields[j].typ])
		}
		seen[j] = true
		f := binField{field: e.fields[j]}
		if f.typ == typeInt || f.typ == typeUint {
			f.bits = e.typ.Field(f.index).Type.Bits()
		}
		k.fields = append(k.fields, f)
	}
	for j, f := range e.fields {
		if !seen[j] && !f.omitempty {
			return nil, fmt.Errorf("kind %s: %s: missing", name, f.name)
		}
	}
	return k, nil
}

// decodePlanPayload reads the payload of a plan frame of that version.
func decodePlanPayload(payload []byte, version byte) (*Plan, error) {
	r := newBinReader(payload)
	r.inPlan = true
	p := &Plan{}
	var err error
	if p.FormatVersion, err = r.str(); err != nil {
		return nil, fmt.Errorf("plan: format_version: %w", err)
	}
	// Fail early on another version: its fields may mean other things.
	if err := checkFormatVersion(p.FormatVersion); err != nil {
		return nil, fmt.Errorf("plan: format_version: %w", err)
	}
	for _, s := range []struct {
		key string
		dst *string
	}{
		{"host", &p.Host},
		{"source", &p.Source},
		{"source_digest", &p.SourceDigest},
		{"observed_digest", &p.ObservedDigest},
		{"plan_digest", &p.PlanDigest},
	} {
		if s.dst == &p.PlanDigest && version < 2 {
			break
		}
		if *s.dst, err = r.str(); err != nil {
			return nil, fmt.Errorf("plan: %s: %w", s.key, err)
		}
	}

	nk, err := r.count(3) // a name, a count of ops, a count of fields
	if err != nil {
		return nil, fmt.Errorf("plan: kinds: %w", err)
	}
	var kinds []*binKind
	total := 0
	for range nk {
		// Every op takes minOpBytes at least.
		k, err := r.kind(r.left()/minOpBytes - total)
		if err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
		for _, q := range kinds {
			if q.e == k.e {
				return nil, fmt.Errorf("plan: kind %s: listed twice", k.e.Kind)
			}
		}
		kinds = append(kinds, k)
		total += k.bodies.Len()
	}
	n, isNil, err := r.list()
	if err == nil && n != total {
		err = fmt.Errorf("%d, but the kinds have %d", n, total)
	}
	if err != nil {
		return nil, fmt.Errorf("plan: ops: %w", err)
	}
	if !isNil {
		p.Ops = make([]*Op, n)
	}
	ops := make([]Op, n)
	// Most of a plan's strings are new: a route's destination, an op's
	// origin. Each takes two bytes at least.
	r.strs = slices.Grow(r.strs, min(n+64, r.left()/2))

	for pos := range n {
		x, err := r.uvarint()
		if err == nil && x >= uint64(len(kinds)) {
			err = fmt.Errorf("%d is not in the plan's %d kinds", x, len(kinds))
		}
		if err != nil {
			return nil, fmt.Errorf("op %d: kind: %w", pos, err)
		}
		k := kinds[x]
		if k.used == k.bodies.Len() {
			return nil, fmt.Errorf("op %d (%s): more ops of the kind than the plan's kinds say", pos, k.e.Kind)
		}
		body := k.bodies.Index(k.used)
		k.used++
		op := &ops[pos]
		op.ID = pos
		op.Body = body.Addr().Interface().(Body)
		if err := r.op(op, k, body); err != nil {
			return nil, fmt.Errorf("op %d (%s): %w", pos, k.e.Kind, err)
		}
		p.Ops[pos] = op
	}
	if r.left() > 0 {
		return nil, errors.New("plan: data after the ops")
	}
	return p, nil
}

// opRecord reads the payload of one op's record.
func (r *binReader) opRecord() (*Op, error) {
	k, err := r.kind(0)
	if err != nil {
		return nil, fmt.Errorf("op: %w", err)
	}
	id, err := r.uvarint()
	if err == nil && id > math.MaxInt {
		err = fmt.Errorf("%d does not fit int", id)
	}
	if err != nil {
		return nil, fmt.Errorf("op (%s): id: %w", k.e.Kind, err)
	}
	op := &Op{ID: int(id), Body: k.e.New()}
	if err := r.op(op, k, reflect.ValueOf(op.Body).Elem()); err != nil {
		return nil, fmt.Errorf("%s: %w", opName(op.ID, op), err)
	}
	if r.left() > 0 {
		return nil, fmt.Errorf("%s: data after the op", opName(op.ID, op))
	}
	return op, nil
}

// op reads all of op but its kind and id, which it has, into op and its
// body struct v.
func (r *binReader) op(op *Op, k *binKind, v reflect.Value) error {
	var err error
	if op.Owner, err = r.str(); err != nil {
		return fmt.Errorf("owner: %w", err)
	}
	if op.Origin, err = r.str(); err != nil {
		return fmt.Errorf("origin: %w", err)
	}
	if op.After, err = r.after(op.ID); err != nil {
		return fmt.Errorf("after: %w", err)
	}
	for _, f := range k.fields {
		if err := r.field(f, v.Field(f.index)); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}

// after reads the after list of the op with id.
func (r *binReader) after(id int) ([]int, error) {
	n, isNil, err := r.list()
	if isNil || err != nil {
		return nil, err
	}
	l := r.intList(n)
	// Most ids are a byte each (an op after the op before it): the loop
	// reads those itself.
	data, i, prev := r.data, r.i, -1
	for j := range l {
		var gap uint64
		if i < len(data) && data[i] < 0x80 {
			gap = uint64(data[i])
			i++
		} else {
			r.i = i
			if gap, err = r.uvarint(); err != nil {
				return nil, err
			}
			i = r.i
		}
		if gap >= uint64(id-prev-1) {
			if gap > math.MaxInt32 {
				return nil, fmt.Errorf("%d from op %d is out of range", gap, prev)
			}
			return nil, errors.New(afterProblem([]int{prev + 1 + int(gap)}, 0, id, math.MaxInt))
		}
		prev += int(gap) + 1
		l[j] = prev
	}
	r.i = i
	return l, nil
}

func (r *binReader) field(f binField, v reflect.Value) error {
	switch f.typ {
	case typeString:
		s, err := r.str()
		v.SetString(s)
		return err
	case typeBool:
		b, err := r.byte()
		if err == nil && b > 1 {
			err = fmt.Errorf("%d is not a boolean (0 or 1)", b)
		}
		v.SetBool(b == 1)
		return err
	case typeInt:
		x, err := r.varint()
		if err == nil && f.bits < 64 && (x < -1<<(f.bits-1) || x >= 1<<(f.bits-1)) {
			err = fmt.Errorf("%d does not fit %s", x, v.Type())
		}
		if err != nil {
			return err
		}
		v.SetInt(x)
		return nil
	case typeUint:
		x, err := r.uvarint()
		if err == nil && f.bits < 64 && x >= 1<<f.bits {
			err = fmt.Errorf("%d does not fit %s", x, v.Type())
		}
		if err != nil {
			return err
		}
		v.SetUint(x)
		return nil
	case typeStrings:
		n, isNil, err := r.list()
		if isNil || err != nil {
			return err
		}
		l := r.stringList(n)
		for j := range l {
			if l[j], err = r.str(); err != nil {
				return fmt.Errorf("element %d: %w", j, err)
			}
		}
		v.Set(reflect.ValueOf(l))
		return nil
	}
	return fmt.Errorf("ir: field type %d not decoded", f.typ) // a bug here
}

// chunkBytes is the size of the chunks lists are cut from: the
// largest of the runtime's small objects.
const chunkBytes = 32 << 10

// intList returns a new list of n ints.
func (r *binReader) intList(n int) []int {
	return chunk(&r.ints, n, r.inPlan)
}

// stringList returns a new list of n strings.
func (r *binReader) stringList(n int) []string {
	return chunk(&r.strings, n, r.inPlan)
}

// chunk cuts a list of n elements from *c, first making a new chunk if
// it is too short; a list of a quarter chunk or more is made alone.
// Only within a plan: one op gets lists of its own.
func chunk[T any](c *[]T, n int, cut bool) []T {
	size := chunkBytes / int(reflect.TypeFor[T]().Size())
	if !cut || n == 0 || n >= size/4 {
		return make([]T, n)
	}
	if n > len(*c) {
		*c = make([]T, size)
	}
	l := (*c)[:n:n]
	*c = (*c)[n:]
	return l
}
