package executor

import (
	"os"
	"testing"
)

// FuzzJournal feeds arbitrary bytes to the journal reader, as a crash or
// a damaged disk may leave it: it returns intents or an error, never
// panics, and every intent it returns is of a kind vsc can undo.
func FuzzJournal(f *testing.F) {
	f.Add([]byte(`{"seq":1,"verb":"create","op":{"id":0,"kind":"addr.add","owner":"guest.web","origin":"a.vsc.hcl:1:1","after":[],"dev":"eth0","address":"192.0.2.10/24","label":"eth0:web"}}` + "\n"))
	f.Add([]byte(`{"seq":1,"verb":"remove","op":{"id":0,"kind":"ns.new"}}` + "\n{\"seq\":2"))
	f.Add([]byte("\x00\xff\n\n{}\n"))
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
