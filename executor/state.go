package executor

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"vsc/internal/statedir"
	"vsc/ir"
)

// The state dir of a host holds:
//
//	lock          flock'ed by the run in progress, holding its pid
//	record        what vsc created on the host, as a plan (ir's binary
//	              form; record.json, ir JSON, before it)
//	journal       the changes of the run in progress, one record each,
//	              written before the change reaches the kernel
//
// The record is rewritten (atomically) only at the end of a run; the
// journal makes the changes made before a crash known to the next run.
const (
	lockFile    = "lock"
	recordFile  = "record"
	journalFile = "journal"
	// legacyRecordFile is the record as vsc wrote it before the binary
	// form: read when there is no record, removed once one is written.
	legacyRecordFile = "record.json"
	// recordKeyFile says, when present, that the record holds exactly the
	// host-state ops of one plan: its key (Options.PlanKey) and the
	// digest of the record file it vouches for.
	recordKeyFile = "record.key"
)

// DefaultStateDir is where vsc keeps its records when not told otherwise.
const DefaultStateDir = "/var/lib/vsc"

// lock takes the host's lock, waiting for another run to finish; wait is
// told once who holds it.
func (h *Host) lock(wait func(holder string)) (unlock func(), err error) {
	f, err := LockFile(h.stateRoot, h.stateDir, lockFile, wait)
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

// LockFile takes an exclusive lock (flock) on the file name of dir, a
// folder of the state dir root; both are made when missing, and must be
// trusted (see statedir). When another process holds it, waiting is told
// first what the holder wrote in the file, then LockFile waits. Closing
// the returned file releases the lock.
func LockFile(root, dir, name string, waiting func(holder string)) (*os.File, error) {
	if err := statedir.Prepare(root, dir); err != nil {
		return nil, err
	}
	f, err := statedir.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o600)
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
	// order lists the keys in creation order; pos is each recorded key's
	// index in it. A dropped key leaves its slot behind (a run removing
	// 100,000 objects must not shift the list 100,000 times), skipped by
	// ops and reclaimed by compact.
	order []string
	pos   map[string]int
	// missing says that no record file was found: a host vsc never
	// touched from this state dir, or one whose record was lost.
	missing bool
	// fileSum is the digest of the record file that holds it, once a run
	// wrote it (see record.key).
	fileSum *[sha256.Size]byte
}

// newRecord returns an empty record, with room for n ops.
func newRecord(host string, n int) *record {
	return &record{plan: &ir.Plan{FormatVersion: ir.FormatVersion, Host: host},
		byKey: make(map[string]*ir.Op, n), order: make([]string, 0, n), pos: make(map[string]int, n)}
}

func (r *record) put(op *ir.Op) { r.putKey(keyOf(op.Body), op) }

// putKey is put of an op whose key k the caller knows.
func (r *record) putKey(k string, op *ir.Op) {
	if _, ok := r.byKey[k]; !ok {
		r.pos[k] = len(r.order)
		r.order = append(r.order, k)
	}
	r.byKey[k] = op
}

func (r *record) drop(k string) {
	if _, ok := r.byKey[k]; !ok {
		return
	}
	delete(r.byKey, k)
	delete(r.pos, k)
	if len(r.order) > 2*len(r.byKey)+64 {
		r.compact()
	}
}

// compact removes the slots of dropped keys from order.
func (r *record) compact() {
	live := r.order[:0]
	for i, k := range r.order {
		if p, ok := r.pos[k]; ok && p == i {
			r.pos[k] = len(live)
			live = append(live, k)
		}
	}
	clear(r.order[len(live):])
	r.order = live
}

// keys lists the recorded keys in creation order.
func (r *record) keys() []string {
	out := make([]string, 0, len(r.byKey))
	for i, k := range r.order {
		if p, ok := r.pos[k]; ok && p == i {
			out = append(out, k)
		}
	}
	return out
}

// ops lists the recorded ops in creation order.
func (r *record) ops() []*ir.Op {
	out := make([]*ir.Op, 0, len(r.byKey))
	for _, k := range r.keys() {
		out = append(out, r.byKey[k])
	}
	return out
}

// reserve makes room for extra more ops, so that a run adding thousands
// does not grow the record's maps step by step.
func (r *record) reserve(extra int) {
	c := r.clone(extra)
	r.byKey, r.order, r.pos = c.byKey, c.order, c.pos
}

// clone returns a copy of the record, with room for extra more ops.
func (r *record) clone(extra int) *record {
	c := newRecord(r.plan.Host, len(r.byKey)+extra)
	c.plan.Source, c.plan.SourceDigest = r.plan.Source, r.plan.SourceDigest
	for _, k := range r.keys() {
		c.putKey(k, r.byKey[k])
	}
	return c
}

func (h *Host) loadRecord() (*record, error) {
	rec := newRecord(h.name, 0)
	name := filepath.Join(h.stateDir, recordFile)
	data, err := statedir.ReadFile(name)
	decode := ir.DecodeBinary
	if errors.Is(err, os.ErrNotExist) {
		name = filepath.Join(h.stateDir, legacyRecordFile)
		data, err = statedir.ReadFile(name)
		decode = ir.Decode
	}
	if errors.Is(err, os.ErrNotExist) {
		rec.missing = true
		return rec, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the record: %w", err)
	}
	p, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("the record %s is damaged: %w", name, err)
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

// encode returns the record in its file's form.
func (r *record) encode() ([]byte, error) {
	p := &ir.Plan{FormatVersion: ir.FormatVersion, Host: r.plan.Host, Source: r.plan.Source, SourceDigest: r.plan.SourceDigest}
	for _, op := range r.ops() {
		p.Add(op.Owner, op.Origin, op.Body)
	}
	if p.SourceDigest == "" {
		p.SourceDigest = ir.Digest(nil)
	}
	return p.MarshalBinary()
}

// saveRecord writes the record atomically (a temporary file renamed over
// the old one) and durably.
func (h *Host) saveRecord(rec *record) error {
	data, err := rec.encode()
	if err != nil {
		return err
	}
	return h.writeRecord(data)
}

func (h *Host) writeRecord(data []byte) error {
	name := filepath.Join(h.stateDir, recordFile)
	if err := writeFileSynced(name+".tmp", data); err != nil {
		return err
	}
	return h.installRecord(name + ".tmp")
}

// installRecord renames a written record file over the record, and
// removes the record of older vsc versions. The record no longer is what
// a record.key vouched for: that goes first.
func (h *Host) installRecord(tmp string) error {
	if err := os.Remove(filepath.Join(h.stateDir, recordKeyFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(h.stateDir, recordFile)); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(h.stateDir, legacyRecordFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// writeFileSynced writes a file and waits until it is on disk.
func writeFileSynced(name string, data []byte) error {
	f, err := statedir.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
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
	return f.Close()
}

// nextRecord is the record a run will have when every change succeeds,
// written (durably, beside the record) while the kernel makes the
// changes, so that ending the run costs a rename rather than an encoding
// and a disk flush.
type nextRecord struct {
	tmp     string
	written chan error
	sum     [sha256.Size]byte // of the file, once written
}

const nextRecordFile = recordFile + ".next"

// prepareRecord starts writing rec, which the caller no longer changes.
func (h *Host) prepareRecord(rec *record) *nextRecord {
	n := &nextRecord{tmp: filepath.Join(h.stateDir, nextRecordFile), written: make(chan error, 1)}
	go func() {
		data, err := rec.encode()
		if err == nil {
			n.sum = sha256.Sum256(data)
			err = writeFileSynced(n.tmp, data)
		}
		n.written <- err
	}()
	return n
}

// commit makes the prepared record the record, and returns the digest of
// its file.
func (n *nextRecord) commit(h *Host) ([sha256.Size]byte, error) {
	if err := <-n.written; err != nil {
		os.Remove(n.tmp)
		return n.sum, err
	}
	return n.sum, h.installRecord(n.tmp)
}

// A converged re-apply of a large plan would spend a good part of its
// time reading back a record that holds exactly the plan's objects. So a
// run that leaves the record holding exactly the host-state ops of its
// plan — the very ops, every one created by a run of that plan — says so
// in record.key: the plan's key and the digest of the record file. A
// later run of a plan with the same key takes the record from the plan
// instead of decoding it. Any other write of the record removes
// record.key first, and the digest ties it to one record file, so a stale
// or damaged record.key only costs the shortcut.

// markRecord writes record.key for the record file whose digest is sum.
func (h *Host) markRecord(planKey string, sum [sha256.Size]byte) error {
	tmp := filepath.Join(h.stateDir, recordKeyFile+".tmp")
	if err := writeFileSynced(tmp, []byte(planKey+"\n"+hex.EncodeToString(sum[:])+"\n")); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(h.stateDir, recordKeyFile))
}

// recordIsPlan tells whether record.key vouches that the record holds
// exactly the host-state ops of the plan with that key.
func (h *Host) recordIsPlan(planKey string) bool {
	if planKey == "" || strings.ContainsAny(planKey, "\n") {
		return false
	}
	mark, err := statedir.ReadFile(filepath.Join(h.stateDir, recordKeyFile))
	if err != nil {
		return false
	}
	data, err := statedir.ReadFile(filepath.Join(h.stateDir, recordFile))
	if err != nil {
		return false
	}
	sum := sha256.Sum256(data)
	return string(mark) == planKey+"\n"+hex.EncodeToString(sum[:])+"\n"
}

// recordOf is the record that holds exactly the host-state ops of p.
func recordOf(p *ir.Plan, ops []*ir.Op) *record {
	rec := newRecord(p.Host, len(ops))
	rec.plan.Source, rec.plan.SourceDigest = p.Source, p.SourceDigest
	for _, op := range ops {
		rec.put(op)
	}
	return rec
}

// discard drops the prepared record: the run did not end as planned.
func (n *nextRecord) discard() {
	<-n.written
	os.Remove(n.tmp)
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
	buf []byte
}

// A journal is a sequence of entries, each announcing one change: a verb
// byte (journalCreate or journalRemove) then the op in ir's binary form
// (a record that says its length and checksum). No entry says a change
// is done: recovery observes the live objects instead, which is the
// truth either way, and a run writes one entry per change instead of
// two.
const (
	journalCreate = '+'
	journalRemove = '-'
)

func (h *Host) openJournal() (*journal, error) {
	f, err := statedir.OpenFile(h.journalPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &journal{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// intents logs changes about to be made, in one write: announcing a
// change that then never happens is harmless (recovery finds no such
// object), so a run announces all its changes at once rather than paying
// a write per change.
func (j *journal) intents(steps []step) error {
	var err error
	for _, s := range steps {
		verb := byte(journalRemove)
		if s.create {
			verb = journalCreate
		}
		j.buf = append(j.buf[:0], verb)
		if j.buf, err = s.op.AppendBinary(j.buf); err != nil {
			return err
		}
		j.w.Write(j.buf)
	}
	// The entries must reach the kernel's page cache before the changes
	// do.
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
	data, err := statedir.ReadFile(h.journalPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(data) > 0 && data[0] == '{' {
		return readLegacyJournal(data)
	}
	var out []journalIntent
	for n := 1; len(data) > 0; n++ {
		verb := map[byte]string{journalCreate: "create", journalRemove: "remove"}[data[0]]
		op, rest, err := ir.NextOpBinary(data[1:])
		if verb == "" || err != nil {
			// An entry cut short by a crash ends the journal: the change
			// it announced never reached the kernel. (A crash of the
			// machine may also leave zeros or garbage at the end.)
			break
		}
		if _, err := handlerOf(op.Body.Kind()); err != nil {
			return nil, fmt.Errorf("journal entry %d: %w", n, err)
		}
		out = append(out, journalIntent{verb: verb, op: op})
		data = rest
	}
	return out, nil
}

// readLegacyJournal reads a journal of JSON lines, as vsc wrote it before
// the binary form, which a run interrupted before an upgrade leaves.
func readLegacyJournal(data []byte) ([]journalIntent, error) {
	var out []journalIntent
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var e struct {
			Verb string          `json:"verb"`
			Op   json.RawMessage `json:"op"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			break // cut short by a crash
		}
		if e.Verb != "create" && e.Verb != "remove" {
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
