package benchgen_test

import (
	"testing"

	"vsc/compiler"
	"vsc/internal/benchgen"
	"vsc/lang"
)

// A generated configuration must check with no error and no warning, and
// compile for every host, or the benchmarks would measure error paths.
func TestGeneratedConfigIsClean(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts benchgen.Options
	}{
		{"one host", benchgen.Options{Guests: 2500}},
		{"several hosts", benchgen.Options{Guests: 2500, GuestsPerFile: 300, GuestsPerHost: 1000}},
		{"many hosts", benchgen.Options{Guests: 4000, GuestsPerHost: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			st, err := benchgen.Write(dir, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.opts.Hosts(); st.Hosts != want {
				t.Errorf("wrote %d hosts, want %d", st.Hosts, want)
			}
			cfg, diags := lang.Load(dir, lang.Options{})
			diags = append(diags, compiler.Run(cfg)...)
			lang.SortDiagnostics(diags)
			for i, d := range diags {
				if i == 10 {
					t.Errorf("… and %d more", len(diags)-i)
					break
				}
				t.Errorf("%s: [%s] %s: %s", d.Subject, lang.Code(d), d.Summary, d.Detail)
			}
			if len(cfg.Guests) != tc.opts.Guests || len(cfg.Hosts) != st.Hosts {
				t.Fatalf("loaded %d guests on %d hosts, want %d on %d", len(cfg.Guests), len(cfg.Hosts), tc.opts.Guests, st.Hosts)
			}
			if diags.HasErrors() {
				return
			}
			for _, h := range cfg.Hosts {
				if _, err := compiler.Compile(cfg, h.Name.V); err != nil {
					t.Fatal(err)
				}
			}
			files, err := benchgen.Parse(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != st.Files {
				t.Errorf("parsed %d files, wrote %d", len(files), st.Files)
			}
		})
	}
}

// A table's configuration has only the rule-unused warning of each rule.
func TestTableConfig(t *testing.T) {
	dir := t.TempDir()
	if _, err := benchgen.WriteTable(dir, 300, 20); err != nil {
		t.Fatal(err)
	}
	cfg, diags := lang.Load(dir, lang.Options{})
	diags = append(diags, compiler.Run(cfg)...)
	for _, d := range diags {
		if lang.Code(d) != "rule-unused" {
			t.Errorf("%s: [%s] %s: %s", d.Subject, lang.Code(d), d.Summary, d.Detail)
		}
	}
	if len(diags) != 20 {
		t.Errorf("%d diagnostics, want the 20 rules' rule-unused", len(diags))
	}
	p, err := compiler.Compile(cfg, "bench")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Ops) != 320 {
		t.Errorf("%d ops, want 320", len(p.Ops))
	}
	if _, err := benchgen.WriteTable(dir, benchgen.MaxTableRoutes+1, 0); err == nil {
		t.Error("WriteTable accepted more routes than it has addresses for")
	}
}
