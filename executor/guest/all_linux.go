package guest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
)

// Ref names a guest of a host.
type Ref struct{ Host, Name string }

// Started lists the guests that have a record (running, starting, or
// left by a supervisor that died) under the state dir, of host or of
// every host when host is "", sorted by name then host.
func Started(o Options, host string) ([]Ref, error) {
	hosts := []string{host}
	if host == "" {
		var err error
		if hosts, err = subdirs(o.stateDir()); err != nil {
			return nil, err
		}
	}
	var out []Ref
	for _, h := range hosts {
		names, err := subdirs(filepath.Join(o.stateDir(), h, guestsDir))
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if _, err := os.Stat(filepath.Join(o.stateDir(), h, guestsDir, n, recordFile)); err == nil {
				out = append(out, Ref{h, n})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Name < out[j].Name || out[i].Name == out[j].Name && out[i].Host < out[j].Host
	})
	return out, nil
}

// HostOf finds the host of a started guest from the state dir alone: the
// one host that has a record of a guest of that name.
func HostOf(o Options, name string) (string, error) {
	refs, err := Started(o, "")
	if err != nil {
		return "", err
	}
	var hosts []string
	for _, r := range refs {
		if r.Name == name {
			hosts = append(hosts, r.Host)
		}
	}
	switch len(hosts) {
	case 0:
		return "", fmt.Errorf("guest %s is %w (no record of it under %s)", name, ErrNotRunning, o.stateDir())
	case 1:
		return hosts[0], nil
	}
	return "", fmt.Errorf("guest %s is started on several hosts of %s (%v): choose one with --host", name, o.stateDir(), hosts)
}

// ExecResult is the end of a command run in one guest by ExecAll.
type ExecResult struct {
	Ref
	Code int   // exit status
	Err  error // vsc could not run it
}

// ExecAll runs argv in every running guest of host ("" for every host),
// one after the other in name order, without stdin, each line of its
// output prefixed with "NAME: " (the vapt-get --all case).
func ExecAll(o Options, host string, argv []string, x ExecOptions, stdout, stderr io.Writer) ([]ExecResult, error) {
	refs, err := Started(o, host)
	if err != nil {
		return nil, err
	}
	var out []ExecResult
	for _, ref := range refs {
		if r, err := readRecord(Dir(o.stateDir(), ref.Host, ref.Name)); err != nil || !r.running() {
			continue
		}
		var mu sync.Mutex
		ow := &prefixWriter{w: stdout, prefix: ref.Name + ": ", mu: &mu}
		ew := &prefixWriter{w: stderr, prefix: ref.Name + ": ", mu: &mu}
		code, err := Exec(o, ref.Host, ref.Name, argv, x, nil, ow, ew)
		ow.flush()
		ew.flush()
		out = append(out, ExecResult{Ref: ref, Code: code, Err: err})
	}
	return out, nil
}

// prefixWriter writes each line with a prefix, keeping a partial line
// until it ends or flush.
type prefixWriter struct {
	w      io.Writer
	prefix string
	mu     *sync.Mutex
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		if _, err := fmt.Fprintf(p.w, "%s%s", p.prefix, p.buf[:i+1]); err != nil {
			return 0, err
		}
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}

func (p *prefixWriter) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf)
		p.buf = nil
	}
}

// subdirs lists the folders in dir by name; a missing dir has none.
func subdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
