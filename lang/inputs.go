package lang

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"strconv"
)

// A configuration means what its inputs say and nothing else: the bytes
// of its files and variable files and the --var arguments. vsc's
// functions read no clock, no environment and no other file. So two
// loads with equal inputs give equal configurations, which lets vsc reuse
// a plan it compiled from the same inputs instead of compiling it again.

// InputsDigest reads the inputs of the configuration at path with opts
// and returns their digest, without parsing anything. ok is false when an
// input cannot be read (loading it will say why).
func InputsDigest(path string, opts Options) (digest string, ok bool) {
	names, diags := configFiles(path, opts.Overlay)
	if len(diags) > 0 {
		return "", false
	}
	return digestInputs(path, names, opts, func(name string) ([]byte, bool) {
		if src, ok := opts.Overlay[name]; ok {
			return src, true
		}
		src, err := os.ReadFile(name)
		return src, err == nil
	})
}

// InputsDigest is the digest of the inputs the configuration was loaded
// from (opts being the options given to Load), equal to what the
// function InputsDigest returns for the same inputs. ok is false when one
// of them could not be read.
func (cfg *Config) InputsDigest(opts Options) (digest string, ok bool) {
	return digestInputs(cfg.Path, cfg.FileNames, opts, func(name string) ([]byte, bool) {
		f, ok := cfg.Files[name]
		if !ok || f == nil {
			return nil, false
		}
		return f.Bytes, true
	})
}

// digestInputs is the one place that says what the inputs are.
func digestInputs(path string, names []string, opts Options, bytesOf func(string) ([]byte, bool)) (string, bool) {
	h := sha256.New()
	field := func(h hash.Hash, kind, name string, data []byte) {
		// Lengths first: no two different inputs write the same bytes.
		fmt.Fprintf(h, "%s %s %d %d\n", kind, strconv.Quote(name), len(name), len(data))
		h.Write(data)
	}
	field(h, "path", path, nil)
	for _, name := range names {
		src, ok := bytesOf(name)
		if !ok {
			return "", false
		}
		field(h, "file", name, src)
	}
	for _, name := range opts.VarFiles {
		src, ok := bytesOf(name)
		if !ok {
			return "", false
		}
		field(h, "var-file", name, src)
	}
	for _, v := range opts.Vars {
		field(h, "var", v, nil)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), true
}
