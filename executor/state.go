package executor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"vsc/ir"
)

// The state dir of a host holds:
//
//	lock          flock'ed by the run in progress, holding its pid
//	record.json   what vsc created on the host, as a plan (ir JSON)
//	journal       the changes of the run in progress, one line each,
//	              written before the change reaches the kernel
//
// The record is rewritten (atomically) only at the end of a run; the
// journal makes the changes made before a crash known to the next run.
const (
	lockFile    = "lock"
	recordFile  = "record.json"
	journalFile = "journal"
)

// DefaultStateDir is where vsc keeps its records when not told otherwise.
const DefaultStateDir = "/var/lib/vsc"

// lock takes the host's lock, waiting for another run to finish; wait is
// told once who holds it.
func (h *Host) lock(wait func(holder string)) (unlock func(), err error) {
	f, err := LockFile(h.stateDir, lockFile, wait)
	if err != nil {
		return nil, err
	}
	f.Truncate(0)
	f.WriteAt([]byte(fmt.Sprintf("pid %d\n", os.Getpid())), 0)
	return func() {
		f.Truncate(0)
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	}, nil
}

// LockFile takes an exclusive lock (flock) on the file name of dir, both
// made when missing. When another process holds it, waiting is told first
// what the holder wrote in the file, then LockFile waits. Closing the
// returned file releases the lock.
func LockFile(dir, name string, waiting func(holder string)) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		if waiting != nil {
			holder, _ := os.ReadFile(f.Name())
			waiting(strings.TrimSpace(string(holder)))
		}
		for {
			err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
			if !errors.Is(err, unix.EINTR) {
				break
			}
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock %s: %w", f.Name(), err)
	}
	return f, nil
}

// record is what vsc created on a host, by key, in creation order.
type record struct {
	plan  *ir.Plan
	byKey map[string]*ir.Op
	order []string
}

func newRecord(host string) *record {
	return &record{plan: &ir.Plan{FormatVersion: ir.FormatVersion, Host: host}, byKey: map[string]*ir.Op{}}
}

func (r *record) put(op *ir.Op) {
	k := keyOf(op.Body)
	if _, ok := r.byKey[k]; !ok {
		r.order = append(r.order, k)
	}
	r.byKey[k] = op
}

func (r *record) drop(k string) {
	if _, ok := r.byKey[k]; !ok {
		return
	}
	delete(r.byKey, k)
	for i, o := range r.order {
		if o == k {
			r.order = append(r.order[:i], r.order[i+1:]...)
			break
		}
	}
}

// ops lists the recorded ops in creation order.
func (r *record) ops() []*ir.Op {
	out := make([]*ir.Op, 0, len(r.order))
	for _, k := range r.order {
		out = append(out, r.byKey[k])
	}
	return out
}

func (r *record) clone() *record {
	c := newRecord(r.plan.Host)
	c.plan.Source, c.plan.SourceDigest = r.plan.Source, r.plan.SourceDigest
	for _, op := range r.ops() {
		c.put(op)
	}
	return c
}

func (h *Host) loadRecord() (*record, error) {
	rec := newRecord(h.name)
	data, err := os.ReadFile(filepath.Join(h.stateDir, recordFile))
	if errors.Is(err, os.ErrNotExist) {
		return rec, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the record: %w", err)
	}
	p, err := ir.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("the record %s is damaged: %w", filepath.Join(h.stateDir, recordFile), err)
	}
	rec.plan.Source, rec.plan.SourceDigest = p.Source, p.SourceDigest
	for _, op := range p.Ops {
		if _, err := handlerOf(op.Body.Kind()); err != nil {
			return nil, fmt.Errorf("the record holds a %s op, which is not host state", op.Body.Kind())
		}
		rec.put(op)
	}
	return rec, nil
}

// saveRecord writes the record atomically (a temporary file renamed over
// the old one) and durably.
func (h *Host) saveRecord(rec *record) error {
	p := &ir.Plan{FormatVersion: ir.FormatVersion, Host: h.name, Source: rec.plan.Source, SourceDigest: rec.plan.SourceDigest}
	for _, op := range rec.ops() {
		p.Add(op.Owner, op.Origin, op.Body)
	}
	if p.SourceDigest == "" {
		p.SourceDigest = ir.Digest(nil)
	}
	data, err := p.MarshalJSON()
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(h.stateDir, recordFile), append(data, '\n'))
}

func writeFileAtomic(name string, data []byte) error {
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// journal is the write-ahead log of a run. Each change is written before
// it reaches the kernel; a process killed at any point leaves a journal
// that says which objects may have been made or unmade.
//
// Lines are not fsynced one by one: the page cache outlives a killed
// process, and a host that loses power loses its kernel objects too.
type journal struct {
	f   *os.File
	w   *bufio.Writer
	seq int
}

// journalEntry announces one change. No line says a change is done:
// recovery observes the live objects instead, which is the truth either
// way, and a run writes one line per change instead of two.
type journalEntry struct {
	Seq  int             `json:"seq"`
	Verb string          `json:"verb"` // "create" or "remove"
	Op   json.RawMessage `json:"op"`
}

func (h *Host) openJournal() (*journal, error) {
	f, err := os.OpenFile(h.journalPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &journal{f: f, w: bufio.NewWriter(f)}, nil
}

// intents logs changes about to be made, in one write: announcing a
// change that then never happens is harmless (recovery finds no such
// object), so a run announces all its changes at once rather than paying
// a write per change.
func (j *journal) intents(steps []step) error {
	for _, s := range steps {
		data, err := s.op.MarshalJSON()
		if err != nil {
			return err
		}
		j.seq++
		// The line is journalEntry's JSON, written by hand: the op is JSON
		// already, and encoding/json would re-validate it.
		fmt.Fprintf(j.w, `{"seq":%d,"verb":%q,"op":`, j.seq, s.verb())
		j.w.Write(data)
		j.w.WriteString("}\n")
	}
	// The lines must reach the kernel's page cache before the changes do.
	return j.w.Flush()
}

// finish empties the journal once the record holds the run's outcome.
func (j *journal) finish() error {
	if err := j.f.Truncate(0); err != nil {
		return err
	}
	return j.f.Close()
}

// readJournal returns the ops a previous, interrupted run meant to
// create or remove, in order.
func (h *Host) readJournal() ([]journalIntent, error) {
	data, err := os.ReadFile(h.journalPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []journalIntent
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var e journalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// A line cut short by a crash ends the journal: the change
			// it announced never reached the kernel.
			break
		}
		if e.Verb == "" {
			continue
		}
		op, err := ir.DecodeOp(e.Op)
		if err != nil {
			return nil, fmt.Errorf("journal line %d: %w", n, err)
		}
		if _, err := handlerOf(op.Body.Kind()); err != nil {
			return nil, fmt.Errorf("journal line %d: %w", n, err)
		}
		out = append(out, journalIntent{verb: e.Verb, op: op})
	}
	return out, nil
}

type journalIntent struct {
	verb string
	op   *ir.Op
}

func (h *Host) journalPath() string { return filepath.Join(h.stateDir, journalFile) }
