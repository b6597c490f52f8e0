package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const cacheCfg = `host "srv1" {
  interface "eth0" {}
}

guest "web" {
  context = 300
  interface "0" {
    dev  = "eth0"
    ip   = "192.0.2.10/24"
    name = "web"
  }
}
`

// TestPlanCache checks that a host command reuses the plan compiled from
// the same inputs (a doctored entry under the right key is what it gets)
// and compiles again when an input changed.
func TestPlanCache(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "cfg")
	os.Mkdir(cfg, 0o755)
	file := filepath.Join(cfg, "main.vsc.hcl")
	if err := os.WriteFile(file, []byte(cacheCfg), 0o644); err != nil {
		t.Fatal(err)
	}
	hf := &hostFlags{stateDir: filepath.Join(dir, "state")}
	plan := func() string {
		t.Helper()
		var stderr bytes.Buffer
		p, code, ok := planFor(newFlags("apply", "", &stderr), []string{cfg}, hf, &stderr)
		if !ok {
			t.Fatalf("planFor: exit %d: %s", code, stderr.String())
		}
		cacheWrites.Wait() // as run does before a command ends
		return p.Host
	}
	if got := plan(); got != "srv1" {
		t.Fatalf("host %q", got)
	}
	key := planCacheKey(cfg, hf)
	p, warnings, ok := cachedPlan(hf.stateDir, key)
	if !ok {
		t.Fatal("no plan cached after a compile")
	}
	// A doctored entry under the same key is what the next run gets.
	p.Host = "doctored"
	if err := cachePlan(hf.stateDir, key, p, warnings); err != nil {
		t.Fatal(err)
	}
	if got := plan(); got != "doctored" {
		t.Fatalf("the cached plan was not used: host %q", got)
	}
	// Each input is part of the key.
	for _, change := range []func(){
		func() { os.WriteFile(file, []byte(strings.Replace(cacheCfg, "192.0.2.10", "192.0.2.11", 1)), 0o644) },
		func() { hf.vars = append(hf.vars, "x=1") },
		func() { hf.host = "srv1" },
		func() { os.WriteFile(filepath.Join(cfg, "more.vsc.hcl"), []byte("# nothing\n"), 0o644) },
	} {
		before := planCacheKey(cfg, hf)
		change()
		if planCacheKey(cfg, hf) == before {
			t.Fatal("an input change left the key as it was")
		}
	}
	hf.vars = nil // x is no variable of the configuration
	if got := plan(); got != "srv1" {
		t.Fatalf("host %q after the configuration changed", got)
	}
	// A damaged entry is a miss, not an error.
	data, _ := os.ReadFile(filepath.Join(hf.stateDir, cacheFile))
	data[len(data)-3] ^= 0xff
	os.WriteFile(filepath.Join(hf.stateDir, cacheFile), data, 0o600)
	if _, _, ok := cachedPlan(hf.stateDir, planCacheKey(cfg, hf)); ok {
		t.Fatal("a damaged entry was used")
	}
	if got := plan(); got != "srv1" {
		t.Fatalf("host %q", got)
	}
}
