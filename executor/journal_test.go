package executor

import (
	"os"
	"path/filepath"
	"testing"

	"vsc/ir"
)

// FuzzJournal feeds arbitrary bytes to the journal reader, as a crash or
// a damaged disk may leave it: it returns intents or an error, never
// panics, and every intent it returns is of a kind vsc can undo.
func FuzzJournal(f *testing.F) {
	f.Add([]byte(`{"seq":1,"verb":"create","op":{"id":0,"kind":"addr.add","owner":"guest.web","origin":"a.vsc.hcl:1:1","after":[],"dev":"eth0","address":"192.0.2.10/24","label":"eth0:web"}}` + "\n"))
	f.Add([]byte(`{"seq":1,"verb":"remove","op":{"id":0,"kind":"ns.new"}}` + "\n{\"seq\":2"))
	f.Add([]byte("\x00\xff\n\n{}\n"))
	var entries []byte
	for i, op := range []*ir.Op{
		{Owner: "guest.web", Origin: "a.vsc.hcl:1:1", Body: &ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"}},
		{ID: 1, Owner: "host", Origin: "a.vsc.hcl:2:1", Body: &ir.RouteAdd{Table: 7, To: "default", Via: "192.0.2.1"}},
	} {
		entries = append(entries, "+-"[i])
		var err error
		if entries, err = op.AppendBinary(entries); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(entries)
	f.Add(entries[:len(entries)-3])
	dir := f.TempDir()
	h := &Host{stateDir: dir}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(h.journalPath(), data, 0o600); err != nil {
			t.Fatal(err)
		}
		intents, err := h.readJournal()
		if err != nil {
			return
		}
		for _, in := range intents {
			if _, err := handlerOf(in.op.Body.Kind()); err != nil {
				t.Fatalf("intent of a kind vsc cannot undo: %s", in.op.Body.Kind())
			}
		}
	})
}

// TestJournalRoundTrip checks that the journal reads back the changes it
// announced, that an entry cut short by a crash ends it, and that a
// journal of JSON lines from an older vsc is still read.
func TestJournalRoundTrip(t *testing.T) {
	h := &Host{stateDir: t.TempDir()}
	j, err := h.openJournal()
	if err != nil {
		t.Fatal(err)
	}
	add := &ir.Op{Owner: "guest.web", Origin: "a.vsc.hcl:1:1", Body: &ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"}}
	route := &ir.Op{ID: 3, Owner: "host", Origin: "a.vsc.hcl:2:1", Body: &ir.RouteAdd{Table: 7, To: "default", Via: "192.0.2.1"}}
	if err := j.intents([]step{{create: true, op: add}, {create: false, op: route}}); err != nil {
		t.Fatal(err)
	}
	j.f.Close()
	intents, err := h.readJournal()
	if err != nil || len(intents) != 2 || intents[0].verb != "create" || intents[1].verb != "remove" ||
		ir.BodyText(intents[0].op.Body) != ir.BodyText(add.Body) || ir.BodyText(intents[1].op.Body) != ir.BodyText(route.Body) {
		t.Fatalf("read back %+v, %v", intents, err)
	}
	data, _ := os.ReadFile(h.journalPath())
	for cut := len(data) - 1; cut > 0; cut-- {
		os.WriteFile(h.journalPath(), data[:cut], 0o600)
		intents, err := h.readJournal()
		if err != nil || len(intents) > 1 {
			t.Fatalf("cut at %d of %d: %d intents, %v", cut, len(data), len(intents), err)
		}
	}
	legacy := `{"seq":1,"verb":"create","op":{"id":0,"kind":"addr.add","owner":"guest.web","origin":"a.vsc.hcl:1:1","after":[],"dev":"eth0","address":"192.0.2.10/24","label":"eth0:web"}}` + "\n{\"seq\":2"
	os.WriteFile(h.journalPath(), []byte(legacy), 0o600)
	if intents, err := h.readJournal(); err != nil || len(intents) != 1 || ir.BodyText(intents[0].op.Body) != ir.BodyText(add.Body) {
		t.Fatalf("legacy journal: %+v, %v", intents, err)
	}
}

// TestLegacyRecord checks that a record.json written by an older vsc is
// read, and replaced by the binary record at the next save.
func TestLegacyRecord(t *testing.T) {
	h := &Host{name: "h", stateDir: t.TempDir()}
	p := &ir.Plan{FormatVersion: ir.FormatVersion, Host: "h", Source: "cfg", SourceDigest: ir.Digest(nil)}
	p.Add("guest.web", "a.vsc.hcl:1:1", &ir.AddrAdd{Dev: "eth0", Address: "192.0.2.10/24", Label: "eth0:web"})
	data, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(h.stateDir, legacyRecordFile), data, 0o600)
	rec, err := h.loadRecord()
	if err != nil || len(rec.ops()) != 1 || rec.plan.Source != "cfg" {
		t.Fatalf("legacy record: %+v, %v", rec, err)
	}
	if err := h.saveRecord(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(h.stateDir, legacyRecordFile)); !os.IsNotExist(err) {
		t.Fatalf("record.json is left: %v", err)
	}
	again, err := h.loadRecord()
	if err != nil || len(again.ops()) != 1 || ir.BodyText(again.ops()[0].Body) != ir.BodyText(rec.ops()[0].Body) {
		t.Fatalf("binary record: %+v, %v", again, err)
	}
}
