package lsp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the message framing: whatever a
// client sends, the reader returns bodies or errors and never panics or
// loops; a body it returns is exactly Content-Length bytes long.
func FuzzReader(f *testing.F) {
	for _, seed := range []string{
		"Content-Length: 2\r\n\r\n{}",
		"Content-Length: 52\r\nContent-Type: application/vscode-jsonrpc\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}xxxxxx",
		"\r\n\r\nContent-Length: -1\r\n\r\n",
		"Content-Length: 99999999999999999999\r\n\r\n",
		"no colon\r\n\r\n",
		"Content-Length: 5\r\n\r\n{\"a\"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newReader(bytes.NewReader(data))
		for i := 0; i < len(data)+2; i++ {
			body, err := r.read()
			if err != nil {
				if errors.Is(err, errSkipped) {
					continue
				}
				return // io.EOF, io.ErrUnexpectedEOF: the stream ended
			}
			var m message
			_ = json.Unmarshal(body, &m)
			_ = m.isRequest()
		}
		if _, err := r.read(); err != io.EOF && err != io.ErrUnexpectedEOF && !errors.Is(err, errSkipped) {
			t.Fatalf("reader did not end after %d reads: %v", len(data)+2, err)
		}
	})
}
