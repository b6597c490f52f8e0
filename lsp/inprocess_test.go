package lsp

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// inProcess is a client of a server running in the test's process, for
// benchmarks and for the race detector (the tests of client_test.go run
// the server as its own process).
type inProcess struct {
	tb   testing.TB
	in   *io.PipeWriter
	msgs chan message
	done chan int
}

func startInProcess(tb testing.TB, debounce time.Duration) *inProcess {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &inProcess{tb: tb, in: inW, msgs: make(chan message, 100000), done: make(chan int, 1)}
	s := newServer(outW, io.Discard, debounce)
	go func() {
		c.done <- s.run(inR)
		outW.Close()
	}()
	go c.read(outR)
	c.request(1, "initialize", map[string]any{"capabilities": map[string]any{}})
	c.send("initialized", map[string]any{})
	return c
}

func (c *inProcess) read(out io.Reader) {
	defer close(c.msgs)
	r := bufio.NewReader(out)
	for {
		length := -1
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(v)
			}
		}
		body := make([]byte, max(length, 0))
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		var m message
		if json.Unmarshal(body, &m) == nil {
			c.msgs <- m
		}
	}
}

func (c *inProcess) write(v any) {
	body, _ := json.Marshal(v)
	fmt.Fprintf(c.in, "Content-Length: %d\r\n\r\n%s", len(body), body)
}

func (c *inProcess) send(method string, params any) {
	c.write(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

func (c *inProcess) ask(id int, method string, params any) {
	c.write(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

func (c *inProcess) request(id int, method string, params any) json.RawMessage {
	c.ask(id, method, params)
	for {
		m := c.next()
		if string(m.ID) == strconv.Itoa(id) {
			return m.Result
		}
	}
}

func (c *inProcess) next() message {
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.tb.Fatal("the server closed its output")
		}
		return m
	case <-time.After(30 * time.Second):
		c.tb.Fatal("no message from the server")
	}
	return message{}
}

// waitVersion waits for the diagnostics of uri at version and returns
// how many there are.
func (c *inProcess) waitVersion(uri string, version int) int {
	for {
		m := c.next()
		if m.Method != "textDocument/publishDiagnostics" {
			continue
		}
		var p publishDiagnosticsParams
		json.Unmarshal(m.Params, &p)
		if p.URI == uri && p.Version != nil && *p.Version == version {
			return len(p.Diagnostics)
		}
	}
}

func (c *inProcess) close() {
	c.request(1<<30, "shutdown", nil)
	c.send("exit", nil)
	if code := <-c.done; code != 0 {
		c.tb.Errorf("exit code %d", code)
	}
}
