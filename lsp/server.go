package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// DefaultDebounce is how long the server waits after a change before it
// checks the configuration again, so that a burst of keystrokes costs one
// check, not one per key.
const DefaultDebounce = 50 * time.Millisecond

type state int

const (
	stateNew      state = iota // before initialize
	stateRunning               // after initialize
	stateShutdown              // after shutdown: only exit is accepted
)

// server is one language server session.
type server struct {
	w        *writer
	log      *log.Logger
	debounce time.Duration

	// ctx is cancelled when the session ends; every request's context
	// derives from it.
	ctx    context.Context
	cancel context.CancelFunc

	mu           sync.Mutex
	state        state
	enc          encoding
	snippets     bool
	hierarchical bool
	opts         InitOptions
	docs         map[string]*document          // open documents by URI
	folders      map[string]*folder            // by the path lang.Load reads
	requests     map[string]context.CancelFunc // requests in flight, by id
	inflight     sync.WaitGroup                // their goroutines
}

// drainTimeout bounds how long shutdown waits for the requests in flight.
const drainTimeout = 5 * time.Second

// drain waits for the requests in flight to be answered, so that shutdown
// loses none; past drainTimeout it cancels them.
func (s *server) drain() {
	done := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
		return
	case <-time.After(drainTimeout):
	}
	s.mu.Lock()
	for _, cancel := range s.requests {
		cancel()
	}
	s.mu.Unlock()
	<-done
}

// Serve runs a language server on in and out until the client sends exit
// or closes in, and returns the process's exit code: 0 after shutdown and
// exit, 1 otherwise. Nothing but protocol messages is written to out; the
// log goes to errw.
func Serve(in io.Reader, out, errw io.Writer) int {
	return newServer(out, errw, DefaultDebounce).run(in)
}

func newServer(out, errw io.Writer, debounce time.Duration) *server {
	ctx, cancel := context.WithCancel(context.Background())
	return &server{
		w:        &writer{w: out},
		log:      log.New(errw, "vsc lsp: ", log.Ltime|log.Lmicroseconds),
		debounce: debounce,
		ctx:      ctx,
		cancel:   cancel,
		docs:     map[string]*document{},
		folders:  map[string]*folder{},
		requests: map[string]context.CancelFunc{},
	}
}

func (s *server) run(in io.Reader) int {
	defer s.stop()
	r := newReader(in)
	for {
		body, err := r.read()
		if errors.Is(err, errSkipped) {
			s.log.Print(err)
			continue
		}
		if err != nil {
			if err != io.EOF {
				s.log.Printf("reading the client's messages: %v", err)
			}
			return s.exitCode()
		}
		var m message
		if err := json.Unmarshal(body, &m); err != nil {
			s.log.Printf("malformed message (%v): %s", err, truncate(string(body), 200))
			s.reply(nil, nil, &rpcError{codeParseError, "Parse error: " + err.Error()})
			continue
		}
		if code, exit := s.handle(&m); exit {
			return code
		}
	}
}

// stop ends the session: it cancels the requests in flight and the
// pending checks.
func (s *server) stop() {
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.folders {
		if f.timer != nil {
			f.timer.Stop()
		}
	}
}

func (s *server) exitCode() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateShutdown {
		return 0
	}
	return 1
}

// validID tells whether a request id is a number or a string, as JSON-RPC
// requires.
func validID(id json.RawMessage) bool {
	if len(id) == 0 {
		return false
	}
	c := id[0]
	return c == '"' || c == '-' || (c >= '0' && c <= '9')
}

// handle dispatches one message. Notifications are handled here, in order,
// since they change the documents later requests read; requests run in
// their own goroutines so that a slow one never holds up the others.
func (s *server) handle(m *message) (code int, exit bool) {
	if m.Method == "" {
		if m.isRequest() || m.Result != nil || m.Error != nil {
			return 0, false // a response: vsc sends no requests, so none is awaited
		}
		s.reply(nil, nil, &rpcError{codeInvalidRequest, "Invalid request: no method"})
		return 0, false
	}
	s.mu.Lock()
	st := s.state
	s.mu.Unlock()
	if !m.isRequest() {
		if m.Method == "exit" {
			return s.exitCode(), true
		}
		if st != stateRunning {
			return 0, false // the protocol drops notifications before initialize
		}
		h := notifications[m.Method]
		if h == nil {
			if !strings.HasPrefix(m.Method, "$/") {
				s.log.Printf("ignoring notification %s", m.Method)
			}
			return 0, false
		}
		func() {
			defer s.recoverTo(m.Method, nil)
			if err := h(s, m.Params); err != nil {
				s.log.Printf("%s: %v", m.Method, err)
			}
		}()
		return 0, false
	}
	if !validID(m.ID) {
		s.reply(nil, nil, &rpcError{codeInvalidRequest, "Invalid request: the id must be a number or a string"})
		return 0, false
	}
	switch {
	case m.Method == "initialize" && st == stateNew:
		res, err := s.initialize(m.Params)
		s.reply(m.ID, res, err)
		return 0, false
	case m.Method == "initialize":
		s.reply(m.ID, nil, &rpcError{codeInvalidRequest, "Invalid request: the server is already initialized"})
		return 0, false
	case st == stateNew:
		s.reply(m.ID, nil, &rpcError{codeServerNotInitialized, "Server not initialized: send initialize first"})
		return 0, false
	case st == stateShutdown:
		s.reply(m.ID, nil, &rpcError{codeInvalidRequest, "Invalid request: the server is shutting down"})
		return 0, false
	case m.Method == "shutdown":
		s.mu.Lock()
		s.state = stateShutdown
		s.mu.Unlock()
		s.drain()
		s.reply(m.ID, nil, nil)
		return 0, false
	}
	h := requests[m.Method]
	if h == nil {
		s.reply(m.ID, nil, &rpcError{codeMethodNotFound, "Method not found: " + m.Method})
		return 0, false
	}
	ctx, cancel := context.WithCancel(s.ctx)
	key := string(m.ID)
	s.mu.Lock()
	s.requests[key] = cancel
	s.mu.Unlock()
	s.inflight.Add(1)
	go func() {
		defer s.inflight.Done()
		defer func() {
			cancel()
			s.mu.Lock()
			delete(s.requests, key)
			s.mu.Unlock()
		}()
		var rerr *rpcError
		defer s.recoverTo(m.Method, func() { s.reply(m.ID, nil, &rpcError{codeInternalError, "Internal error in vsc; see its log"}) })
		res, err := h(s, ctx, m.Params)
		switch {
		case ctx.Err() != nil:
			rerr = &rpcError{codeRequestCancelled, "Request cancelled"}
			res = nil
		case err != nil && errors.As(err, &rerr):
		case err != nil:
			rerr = &rpcError{codeRequestFailed, err.Error()}
		}
		s.reply(m.ID, res, rerr)
	}()
	return 0, false
}

// recoverTo turns a panic in a handler into a log entry (and, for a
// request, an error response): one bad document must not end the session.
func (s *server) recoverTo(what string, then func()) {
	if r := recover(); r != nil {
		s.log.Printf("internal error in %s: %v\n%s", what, r, debug.Stack())
		if then != nil {
			then()
		}
	}
}

func (s *server) reply(id json.RawMessage, result any, err *rpcError) {
	if werr := s.w.reply(id, result, err); werr != nil {
		s.log.Printf("writing a response: %v", werr)
	}
}

func (s *server) notify(method string, params any) {
	if err := s.w.notify(method, params); err != nil {
		s.log.Printf("writing %s: %v", method, err)
	}
}

func (s *server) initialize(raw json.RawMessage) (any, *rpcError) {
	var p initializeParams
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, &rpcError{codeInvalidParams, "Invalid params: " + err.Error()}
		}
	}
	var opts InitOptions
	if len(p.InitializationOptions) > 0 && string(p.InitializationOptions) != "null" {
		if err := json.Unmarshal(p.InitializationOptions, &opts); err != nil {
			s.log.Printf("ignoring initializationOptions: %v", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = stateRunning
	s.enc = negotiate(p.Capabilities.General.PositionEncodings)
	s.snippets = p.Capabilities.TextDocument.Completion.CompletionItem.SnippetSupport
	s.hierarchical = p.Capabilities.TextDocument.DocumentSymbol.HierarchicalDocumentSymbolSupport
	s.opts = opts
	var res initializeResult
	res.ServerInfo.Name = "vsc"
	res.Capabilities = serverCapabilities{
		PositionEncoding:           s.enc.String(),
		TextDocumentSync:           textDocumentSync{OpenClose: true, Change: 2, Save: true},
		HoverProvider:              true,
		CompletionProvider:         completionOptions{TriggerCharacters: []string{".", "\"", "="}},
		DefinitionProvider:         true,
		DocumentFormattingProvider: true,
		DocumentSymbolProvider:     true,
	}
	return res, nil
}

// Handlers take the server first so that the tables below can name them
// as method expressions.
type requestHandler func(s *server, ctx context.Context, params json.RawMessage) (any, error)

type notificationHandler func(s *server, params json.RawMessage) error

// requests and notifications are the methods the server answers, besides
// initialize, shutdown and exit.
var (
	requests = map[string]requestHandler{
		"textDocument/hover":          (*server).hover,
		"textDocument/completion":     (*server).completion,
		"textDocument/definition":     (*server).definition,
		"textDocument/formatting":     (*server).formatting,
		"textDocument/documentSymbol": (*server).documentSymbol,
	}
	notifications = map[string]notificationHandler{
		"initialized":                     func(*server, json.RawMessage) error { return nil },
		"textDocument/didOpen":            (*server).didOpen,
		"textDocument/didChange":          (*server).didChange,
		"textDocument/didClose":           (*server).didClose,
		"textDocument/didSave":            (*server).didSave,
		"workspace/didChangeWatchedFiles": (*server).didChangeWatchedFiles,
		"workspace/didChangeConfiguration": func(*server, json.RawMessage) error {
			return nil
		},
		"$/cancelRequest": (*server).cancelRequest,
	}
)

func decode(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return &rpcError{codeInvalidParams, "Invalid params: none given"}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return &rpcError{codeInvalidParams, "Invalid params: " + err.Error()}
	}
	return nil
}

func (s *server) cancelRequest(raw json.RawMessage) error {
	var p cancelParams
	if err := decode(raw, &p); err != nil {
		return err
	}
	s.mu.Lock()
	cancel := s.requests[string(p.ID)]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return nil
}

func (s *server) didOpen(raw json.RawMessage) error {
	var p didOpenParams
	if err := decode(raw, &p); err != nil {
		return err
	}
	d := newDocument(p.TextDocument.URI, uriToPath(p.TextDocument.URI), p.TextDocument.Version, []byte(p.TextDocument.Text))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[d.uri] = d
	s.changedLocked(d.path)
	return nil
}

func (s *server) didChange(raw json.RawMessage) error {
	var p didChangeParams
	if err := decode(raw, &p); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[p.TextDocument.URI]
	if d == nil {
		return fmt.Errorf("%s is not open", p.TextDocument.URI)
	}
	s.docs[d.uri] = d.apply(p.TextDocument.Version, p.ContentChanges, s.enc)
	s.changedLocked(d.path)
	return nil
}

func (s *server) didClose(raw json.RawMessage) error {
	var p didCloseParams
	if err := decode(raw, &p); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[p.TextDocument.URI]
	if d == nil {
		return nil
	}
	delete(s.docs, d.uri)
	s.closedLocked(d.path)
	return nil
}

func (s *server) didSave(raw json.RawMessage) error {
	var p didSaveParams
	if err := decode(raw, &p); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changedLocked(uriToPath(p.TextDocument.URI))
	return nil
}

// didChangeWatchedFiles re-checks the folders of files changed on disk
// (another file of a configuration, saved by another program).
func (s *server) didChangeWatchedFiles(raw json.RawMessage) error {
	var p didChangeWatchedFilesParams
	if err := decode(raw, &p); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range p.Changes {
		if path := uriToPath(c.URI); path != "" {
			if _, open := s.folders[configPath(path)]; open {
				s.changedLocked(path)
			}
		}
	}
	return nil
}

// document returns the open document at uri, nil if there is none.
func (s *server) document(uri string) (*document, encoding) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.docs[uri], s.enc
}
