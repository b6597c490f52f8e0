package lang

import (
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// FuzzLoad feeds arbitrary bytes to the whole reading stage, as native HCL
// and as JSON: whatever the input, Load returns diagnostics, never panics,
// and every diagnostic carries a code.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		`host "srv1" {
  interface "eth0" {}
}
guest "web" {
  context  = 300
  hostname = "web.example.org"
  interface "0" {
    dev = "eth0"
    ip  = cidrhost("10.0.0.0/24", 5)
  }
  rlimits {
    nofile = { soft = 1024, hard = 4096 }
    as     = "512MiB"
  }
}`,
		`variable "x" { default = 1 }
locals { y = var.x + 1 }
guest "g" {
  for_each = { a = local.y }
  context  = each.value
}`,
		`{"guest": {"web": {"context": 300}}}`,
		`guest "x" { context = (((1))) }`,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, src []byte, asJSON bool) {
		name := "fuzz/main.vsc.hcl"
		if asJSON {
			name = "fuzz/main.vsc.json"
		}
		var diags hcl.Diagnostics
		done := make(chan struct{})
		go func() {
			_, diags = Load(name, Options{Overlay: map[string][]byte{name: src}})
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("Load took more than 5 s")
		}
		for _, d := range diags {
			if Code(d) == "" {
				t.Fatalf("diagnostic without code: %v", d)
			}
		}
	})
}
