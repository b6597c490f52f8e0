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
