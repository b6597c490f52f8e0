package guest

import (
	"os"
	"testing"
)

// The guest's supervisor, init and exec'd commands are this test binary
// run again with `__guest MODE` (see Main), as they are vsc's binary in
// production.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == ReexecCommand {
		os.Exit(Main(os.Args[2:]))
	}
	code := m.Run()
	removeTemplate()
	removeProbe()
	os.Exit(code)
}
