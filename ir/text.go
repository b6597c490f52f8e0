package ir

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
)

// WriteText writes the plan in its text form, for review:
//
//	# vsc plan v1 host=NAME source=PATH digest=sha256:… plan=sha256:…
//	# host
//	0 link.add name=eth0.7 type=vlan link=eth0 vlan_id=7 # vsc.hcl:3:5
//	# guest web
//	1 addr.add dev=eth0.7 address=10.7.0.2/16 after=0 # vsc.hcl:12:9
//
// A group comment starts each run of ops of one owner. Fields follow
// their struct order; empty omitempty fields are left out. Identical
// plans give identical bytes, so the text diffs cleanly in review. The
// quoting rule is in docs/plan.md; the text is not read back (JSON is
// the form to save and load).
//
// The header ends with the plan digest (PlanDigest) when the plan has
// one; the text without it is what the digest is computed over.
//
// WriteText fails on a nil op or body, leaving what was written so far.
func (p *Plan) WriteText(w io.Writer) error { return p.writeText(w, true) }

// writeText writes the text form, with the plan digest in the header
// when withDigest and the plan has one.
func (p *Plan) writeText(w io.Writer, withDigest bool) error {
	bw := bufio.NewWriter(w)
	var line []byte
	line = append(line, "# vsc plan v"...)
	line = appendScalar(line, p.FormatVersion, bareScalar)
	line = appendPair(line, "host", p.Host)
	line = appendPair(line, "source", p.Source)
	line = appendPair(line, "digest", p.SourceDigest)
	if p.ObservedDigest != "" {
		line = appendPair(line, "observed", p.ObservedDigest)
	}
	if withDigest && p.PlanDigest != "" {
		line = appendPair(line, "plan", p.PlanDigest)
	}
	line = append(line, '\n')
	bw.Write(line)

	// A large plan's ops are written out in chunks on every CPU, a few
	// chunks ahead, and copied in order; the text is the same.
	chunks := (len(p.Ops) + textChunk - 1) / textChunk
	workers := runtime.GOMAXPROCS(0)
	if len(p.Ops) < parallelOps || workers < 2 {
		var err error
		line, err = p.appendOpsText(line[:0], 0, len(p.Ops))
		bw.Write(line)
		if err != nil {
			bw.Flush()
			return err
		}
		return bw.Flush()
	}
	type text struct {
		b   []byte
		err error
	}
	done := make([]chan text, chunks)
	for c := range done {
		done[c] = make(chan text, 1)
	}
	free := make(chan []byte, 2*workers) // the buffers, each in one place at a time
	for range cap(free) {
		free <- nil
	}
	go func() {
		for c := range chunks {
			b := <-free
			go func() {
				from, to := c*len(p.Ops)/chunks, (c+1)*len(p.Ops)/chunks
				b, err := p.appendOpsText(b[:0], from, to)
				done[c] <- text{b, err}
			}()
		}
	}()
	var err error
	for c := range done {
		t := <-done[c]
		if err == nil {
			bw.Write(t.b)
			err = t.err
		}
		free <- t.b
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// textChunk is about how many ops a worker of writeText writes at a time.
const textChunk = 2048

// appendOpsText appends the text of ops from up to to, each group
// comment where the owner changes; on a fault, the text up to it.
func (p *Plan) appendOpsText(b []byte, from, to int) ([]byte, error) {
	owner := ""
	if from > 0 && p.Ops[from-1] != nil {
		owner = p.Ops[from-1].Owner
	}
	for i := from; i < to; i++ {
		op := p.Ops[i]
		if op == nil {
			return b, fmt.Errorf("op %d: the op is missing (nil)", i)
		}
		if i == 0 || op.Owner != owner {
			owner = op.Owner
			b = append(b, groupComment(owner)...)
		}
		var err error
		n := len(b)
		if b, err = op.appendText(b); err != nil {
			return b[:n], fmt.Errorf("%s: %w", opName(i, op), err)
		}
	}
	return b, nil
}

// Text returns the text form of the plan. A plan WriteText refuses is
// written up to the fault, then the error as a comment.
func (p *Plan) Text() string {
	var b strings.Builder
	if err := p.WriteText(&b); err != nil {
		fmt.Fprintf(&b, "# error: %v\n", err)
	}
	return b.String()
}

func groupComment(owner string) string {
	if owner == OwnerHost {
		return "# host\n"
	}
	if name, ok := guestOf(owner); ok {
		return "# guest " + string(appendScalar(nil, name, bareScalar)) + "\n"
	}
	return "# owner " + string(appendScalar(nil, owner, bareScalar)) + "\n"
}

var errNoBody = errors.New("the op has no body")

// appendText appends the op's line: ID KIND key=value … [after=…] # ORIGIN.
func (op *Op) appendText(b []byte) ([]byte, error) {
	if _, ok := bodyValue(op.Body); !ok {
		return b, errNoBody
	}
	b = strconv.AppendInt(b, int64(op.ID), 10)
	b = append(b, ' ')
	b = appendBody(b, op.Body)
	if len(op.After) > 0 {
		b = append(b, " after="...)
		for k, a := range op.After {
			if k > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(a), 10)
		}
	}
	b = append(b, " # "...)
	b = appendScalar(b, op.Origin, bareScalar)
	return append(b, '\n'), nil
}

// BodyText is an op's kind and fields as the text form writes them
// ("addr.add dev=eth0 address=10.0.0.2/24"), for messages and reviews
// that show an op without its plan.
func BodyText(body Body) string {
	if _, ok := bodyValue(body); !ok {
		return "(no op)"
	}
	return string(appendBody(nil, body))
}

// appendBody appends KIND key=value … for the fields that are set.
func appendBody(b []byte, body Body) []byte {
	v, _ := bodyValue(body)
	b = append(b, body.Kind()...)
	for _, f := range lookup(body.Kind()).fields {
		fv := v.Field(f.index)
		if f.omitted(fv) {
			continue
		}
		b = append(b, ' ')
		b = append(b, f.name...)
		b = append(b, '=')
		switch f.typ {
		case typeString:
			b = appendScalar(b, fv.String(), bareScalar)
		case typeBool:
			b = strconv.AppendBool(b, fv.Bool())
		case typeInt:
			b = strconv.AppendInt(b, fv.Int(), 10)
		case typeUint:
			b = append(b, f.uintText(fv.Uint())...)
		case typeStrings:
			b = appendList(b, fv.Interface().([]string))
		}
	}
	return b
}

// A value is written bare when it is made only of characters that
// cannot be confused with the line's structure (space between pairs, '#'
// before the origin, '"' for quoting); otherwise it is Go-quoted. In a
// list ',' separates elements, so an element containing one is quoted.
const (
	bareScalar  = "._:/@+%=,-"
	bareElement = "._:/@+%=-"
)

// appendScalar writes s bare when it is not empty and each of its bytes
// is an ASCII letter, a digit or one of punct; quoted otherwise.
func appendScalar(b []byte, s string, punct string) []byte {
	if isBare(s, punct) {
		return append(b, s...)
	}
	return strconv.AppendQuote(b, s)
}

func isBare(s, punct string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(punct, c) >= 0) {
			return false
		}
	}
	return true
}

// appendList writes a list as its elements joined by ','. An empty list
// is written [], which no element can be, bare or quoted.
func appendList(b []byte, l []string) []byte {
	if len(l) == 0 {
		return append(b, "[]"...)
	}
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendScalar(b, s, bareElement)
	}
	return b
}

func appendPair(b []byte, key, value string) []byte {
	b = append(b, ' ')
	b = append(b, key...)
	b = append(b, '=')
	return appendScalar(b, value, bareScalar)
}
