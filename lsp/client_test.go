package lsp_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// These tests are an editor: they start the real `vsc lsp` process, built
// once in TestMain, and speak JSON-RPC to it over its stdin and stdout.

var vscBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vsc-lsp-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	vscBin = filepath.Join(dir, "vsc")
	goTool := "go"
	if _, err := exec.LookPath(goTool); err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(goTool, "build", "-buildvcs=false", "-o", vscBin, "vsc/cmd/vsc")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building vsc:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// msg is any message from the server.
type msg struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type client struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	stderr *lockedBuffer
	done   chan struct{} // closed when the server's stdout ends

	mu        sync.Mutex
	nextID    int
	waiting   map[string]chan *msg
	published chan publication
	exited    bool
}

type publication struct {
	URI         string       `json:"uri"`
	Version     *int         `json:"version"`
	Diagnostics []diagnostic `json:"diagnostics"`
}

type diagnostic struct {
	Range              rng    `json:"range"`
	Severity           int    `json:"severity"`
	Code               string `json:"code"`
	Source             string `json:"source"`
	Message            string `json:"message"`
	RelatedInformation []struct {
		Location location `json:"location"`
		Message  string   `json:"message"`
	} `json:"relatedInformation"`
}

type pos struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

type rng struct {
	Start pos `json:"start"`
	End   pos `json:"end"`
}

type location struct {
	URI   string `json:"uri"`
	Range rng    `json:"range"`
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs `vsc lsp` without initializing it.
func start(t *testing.T) *client {
	t.Helper()
	cmd := exec.Command(vscBin, "lsp")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, cmd: cmd, in: in, stderr: &lockedBuffer{}, done: make(chan struct{}),
		waiting: map[string]chan *msg{}, published: make(chan publication, 10000)}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go c.read(out)
	t.Cleanup(func() {
		c.mu.Lock()
		exited := c.exited
		c.mu.Unlock()
		if !exited {
			c.in.Close()
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", c.stderr.String())
		}
	})
	return c
}

// startInit runs `vsc lsp` and initializes it, offering UTF-8 positions
// when utf8 is set.
func startInit(t *testing.T, utf8 bool) *client {
	t.Helper()
	c := start(t)
	caps := map[string]any{
		"textDocument": map[string]any{
			"documentSymbol": map[string]any{"hierarchicalDocumentSymbolSupport": true},
		},
	}
	if utf8 {
		caps["general"] = map[string]any{"positionEncodings": []string{"utf-8", "utf-16"}}
	}
	var res struct {
		Capabilities struct {
			PositionEncoding string `json:"positionEncoding"`
		} `json:"capabilities"`
	}
	c.call("initialize", map[string]any{"processId": os.Getpid(), "rootUri": nil, "capabilities": caps}, &res)
	want := "utf-16"
	if utf8 {
		want = "utf-8"
	}
	if res.Capabilities.PositionEncoding != want {
		t.Fatalf("positionEncoding = %q, want %q", res.Capabilities.PositionEncoding, want)
	}
	c.notify("initialized", map[string]any{})
	return c
}

func (c *client) read(out io.Reader) {
	defer close(c.done)
	r := bufio.NewReader(out)
	for {
		length := -1
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(v)
			}
		}
		if length < 0 {
			c.t.Errorf("server sent a message without Content-Length")
			return
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		var m msg
		if err := json.Unmarshal(body, &m); err != nil {
			c.t.Errorf("server sent malformed JSON: %v: %s", err, body)
			return
		}
		switch {
		case m.Method == "textDocument/publishDiagnostics":
			var p publication
			if err := json.Unmarshal(m.Params, &p); err != nil {
				c.t.Errorf("bad publishDiagnostics: %v", err)
			}
			c.published <- p
		case m.Method != "":
			// other notifications: none expected, none needed
		default:
			c.mu.Lock()
			ch := c.waiting[string(m.ID)]
			delete(c.waiting, string(m.ID))
			c.mu.Unlock()
			if ch != nil {
				ch <- &m
			}
		}
	}
}

func (c *client) write(body []byte) {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.in, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
		c.t.Fatalf("writing to the server: %v", err)
	}
}

func (c *client) send(v any) {
	c.t.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.write(body)
}

// request sends a request and returns the channel its response comes on.
func (c *client) request(method string, params any) (string, chan *msg) {
	c.mu.Lock()
	c.nextID++
	id := strconv.Itoa(c.nextID)
	ch := make(chan *msg, 1)
	c.waiting[id] = ch
	c.mu.Unlock()
	c.send(map[string]any{"jsonrpc": "2.0", "id": c.nextID, "method": method, "params": params})
	return id, ch
}

func (c *client) wait(ch chan *msg, what string) *msg {
	c.t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(20 * time.Second):
		c.t.Fatalf("no response to %s", what)
	case <-c.done:
		c.t.Fatalf("the server closed its output waiting for %s", what)
	}
	return nil
}

// call sends a request and decodes its result into result; an error
// response fails the test.
func (c *client) call(method string, params, result any) {
	c.t.Helper()
	_, ch := c.request(method, params)
	m := c.wait(ch, method)
	if m.Error != nil {
		c.t.Fatalf("%s: error %d %s", method, m.Error.Code, m.Error.Message)
	}
	if result != nil {
		if err := json.Unmarshal(m.Result, result); err != nil {
			c.t.Fatalf("%s: %v: %s", method, err, m.Result)
		}
	}
}

// callErr sends a request that must fail and returns the error code.
func (c *client) callErr(method string, params any) int {
	c.t.Helper()
	_, ch := c.request(method, params)
	m := c.wait(ch, method)
	if m.Error == nil {
		c.t.Fatalf("%s: succeeded with %s, want an error", method, m.Result)
	}
	return m.Error.Code
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	c.send(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

// diagnostics waits for a publication for uri that ok accepts.
func (c *client) diagnostics(uri string, ok func(publication) bool) publication {
	c.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case p := <-c.published:
			if p.URI == uri && ok(p) {
				return p
			}
		case <-timeout:
			c.t.Fatalf("no matching diagnostics for %s", uri)
		case <-c.done:
			c.t.Fatalf("the server closed its output waiting for diagnostics of %s", uri)
		}
	}
}

// version accepts the publication for one document version.
func version(v int) func(publication) bool {
	return func(p publication) bool { return p.Version != nil && *p.Version == v }
}

// shutdown ends the session properly and returns the exit code.
func (c *client) shutdown() int {
	c.t.Helper()
	c.call("shutdown", nil, nil)
	c.notify("exit", nil)
	return c.exit()
}

func (c *client) exit() int {
	c.t.Helper()
	c.in.Close()
	errc := make(chan error, 1)
	go func() { errc <- c.cmd.Wait() }()
	select {
	case err := <-errc:
		c.mu.Lock()
		c.exited = true
		c.mu.Unlock()
		if err == nil {
			return 0
		}
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		c.t.Fatal(err)
	case <-time.After(20 * time.Second):
		c.t.Fatal("the server did not exit")
	}
	return -1
}

func (c *client) open(path, text string) string {
	c.t.Helper()
	uri := fileURI(path)
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": "hcl", "version": 1, "text": text}})
	return uri
}

func (c *client) change(uri string, version int, r *rng, text string) {
	c.t.Helper()
	change := map[string]any{"text": text}
	if r != nil {
		change["range"] = r
	}
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": version},
		"contentChanges": []any{change}})
}

func fileURI(path string) string { return "file://" + filepath.ToSlash(path) }

// writeFiles writes a configuration folder and returns its path.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// at returns the position of the n-th byte after the first occurrence of
// needle in src, in UTF-16 (utf8 false) or UTF-8 code units.
func at(t *testing.T, src, needle string, n int, utf8 bool) pos {
	t.Helper()
	i := strings.Index(src, needle)
	if i < 0 {
		t.Fatalf("%q is not in the document", needle)
	}
	return posOf(src, i+n, utf8)
}

func posOf(src string, off int, utf8 bool) pos {
	before := src[:off]
	line := strings.Count(before, "\n")
	col := before[strings.LastIndex(before, "\n")+1:]
	if utf8 {
		return pos{line, len(col)}
	}
	return pos{line, len(utf16.Encode([]rune(col)))}
}

func docPos(uri string, p pos) map[string]any {
	return map[string]any{"textDocument": map[string]any{"uri": uri}, "position": p}
}
