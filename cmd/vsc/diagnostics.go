package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"vsc/compiler"
	"vsc/lang"
)

// writeDiagnostics prints diagnostics in the text form editors' problem
// matchers read: `FILE:LINE:COL: SEVERITY[CODE]: SUMMARY`, then the detail,
// the source line with the value underlined, and the other sites.
func writeDiagnostics(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File) {
	src := sources{files: files}
	for i, d := range diags {
		if i > 0 {
			fmt.Fprintln(w)
		}
		sev, code := severity(d), lang.Code(d)
		if d.Subject == nil {
			fmt.Fprintf(w, "vsc: %s[%s]: %s\n", sev, code, d.Summary)
		} else {
			fmt.Fprintf(w, "%s: %s[%s]: %s\n", pos(d.Subject), sev, code, d.Summary)
		}
		if d.Detail != "" {
			fmt.Fprintf(w, "  %s\n", d.Detail)
		}
		if d.Subject != nil {
			src.snippet(w, *d.Subject)
		}
		for _, r := range lang.Related(d) {
			fmt.Fprintf(w, "  other site: %s\n", pos(&r))
			src.snippet(w, r)
		}
	}
	if len(diags) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, summaryLine(diags))
}

func pos(r *hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

func severity(d *hcl.Diagnostic) string { return compiler.SeverityName(d.Severity) }

func counts(diags hcl.Diagnostics) (errs, warns int) {
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			warns++
		} else {
			errs++
		}
	}
	return
}

func summaryLine(diags hcl.Diagnostics) string {
	errs, warns := counts(diags)
	if errs == 0 && warns == 0 {
		return "No problems found."
	}
	return fmt.Sprintf("%s, %s.", plural(errs, "error"), plural(warns, "warning"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// sources gives the bytes of the files diagnostics point into.
type sources struct {
	files map[string]*hcl.File
	read  map[string][]byte
}

func (s *sources) bytes(name string) []byte {
	if f, ok := s.files[name]; ok && f != nil {
		return f.Bytes
	}
	if b, ok := s.read[name]; ok {
		return b
	}
	b, _ := os.ReadFile(name)
	if s.read == nil {
		s.read = map[string][]byte{}
	}
	s.read[name] = b
	return b
}

// snippet prints the line a range starts on, with the range underlined.
func (s *sources) snippet(w io.Writer, r hcl.Range) {
	src := s.bytes(r.Filename)
	if r.Start.Byte < 0 || r.Start.Byte > len(src) {
		return
	}
	start := bytes.LastIndexByte(src[:r.Start.Byte], '\n') + 1
	end := bytes.IndexByte(src[r.Start.Byte:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += r.Start.Byte
	}
	line := strings.TrimRight(string(src[start:end]), "\r")
	if !utf8.ValidString(line) {
		line = strings.ToValidUTF8(line, "\uFFFD")
	}
	num := fmt.Sprint(r.Start.Line)
	fmt.Fprintf(w, "  %s | %s\n", num, line)
	// The underline copies the tabs of the line so that it stays aligned
	// whatever the terminal's tab width.
	var pad strings.Builder
	for _, c := range string(src[start:r.Start.Byte]) {
		if c == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	stop := r.End.Byte
	if stop > end || stop <= r.Start.Byte {
		stop = min(end, r.Start.Byte+1)
		if stop <= r.Start.Byte {
			stop = r.Start.Byte
		}
	}
	width := max(1, utf8.RuneCount(src[r.Start.Byte:stop]))
	fmt.Fprintf(w, "  %s | %s%s\n", strings.Repeat(" ", len(num)), pad.String(), strings.Repeat("^", width))
}

// The JSON form of diagnostics (`--format json`), a contract: see
// docs/cli.md.
type jsonDiagnostics struct {
	FormatVersion string     `json:"format_version"`
	Valid         bool       `json:"valid"`
	ErrorCount    int        `json:"error_count"`
	WarningCount  int        `json:"warning_count"`
	Diagnostics   []jsonDiag `json:"diagnostics"`
}

type jsonDiag struct {
	Severity string      `json:"severity"`
	Code     string      `json:"code"`
	Summary  string      `json:"summary"`
	Detail   string      `json:"detail"`
	Range    *jsonRange  `json:"range"`
	Related  []jsonRange `json:"related"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

func toJSONRange(r hcl.Range) jsonRange {
	return jsonRange{
		Filename: r.Filename,
		Start:    jsonPos{r.Start.Line, r.Start.Column, r.Start.Byte},
		End:      jsonPos{r.End.Line, r.End.Column, r.End.Byte},
	}
}

func writeDiagnosticsJSON(w io.Writer, diags hcl.Diagnostics) error {
	errs, warns := counts(diags)
	out := jsonDiagnostics{FormatVersion: "1", Valid: errs == 0, ErrorCount: errs, WarningCount: warns, Diagnostics: []jsonDiag{}}
	for _, d := range diags {
		jd := jsonDiag{Severity: severity(d), Code: lang.Code(d), Summary: d.Summary, Detail: d.Detail, Related: []jsonRange{}}
		if d.Subject != nil {
			r := toJSONRange(*d.Subject)
			jd.Range = &r
		}
		for _, r := range lang.Related(d) {
			jd.Related = append(jd.Related, toJSONRange(r))
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
