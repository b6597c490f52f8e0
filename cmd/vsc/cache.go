package main

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"vsc/ir"
	"vsc/lang"
)

// The compiled-plan cache lets the commands that act on a host (planFor:
// apply, destroy, build, start…) skip compiling a configuration compiled
// before: a converged re-apply
// is then all observation. The state dir keeps one entry, the last plan
// compiled there, under a key made of
//
//   - the vsc binary's build id, which changes with any change to vsc;
//   - the configuration's inputs (lang.InputsDigest: the path, the bytes
//     of every file and variable file, the --var arguments);
//   - the host chosen with --host.
//
// and the warnings printed when it was compiled, printed again on a hit.
// The entry is checked by its own digest; a damaged, foreign or stale
// entry is a miss. Writing it is best effort: a state dir that cannot be
// written costs only the next run's compile.
const cacheFile = "compiled"

// cacheWrites are the cache entries being written, which main waits for
// before the process exits.
var cacheWrites sync.WaitGroup

// cacheMagic starts an entry, then its key and the digest of the rest.
const cacheMagic = "vsc compiled plan 1\n"

// planCacheKey is the key of the plan of the configuration at path with
// the host flags, "" when it cannot be had (an input is unreadable, or
// the binary has no build id): no cache then.
func planCacheKey(path string, hf *hostFlags) string {
	inputs, ok := lang.InputsDigest(path, hf.langOptions())
	if !ok {
		return ""
	}
	return cacheKeyOf(inputs, hf.host)
}

func cacheKeyOf(inputs, host string) string {
	id := binaryID()
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("binary %s\ninputs %s\nhost %q\n", id, inputs, host)))
	return hex.EncodeToString(sum[:])
}

// binaryID identifies the running vsc binary by its Go build id, which
// the toolchain derives from everything that went into the binary.
var binaryID = sync.OnceValue(func() string {
	f, err := elf.Open("/proc/self/exe")
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	data, err := s.Data()
	if err != nil || len(data) == 0 {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
})

// cachedPlan returns the plan cached under key in stateDir and the
// warnings printed when it was compiled; ok is false on a miss.
func cachedPlan(stateDir, key string) (p *ir.Plan, warnings []byte, ok bool) {
	if key == "" {
		return nil, nil, false
	}
	data, err := os.ReadFile(filepath.Join(stateDir, cacheFile))
	if err != nil {
		return nil, nil, false
	}
	rest, ok := bytes.CutPrefix(data, []byte(cacheMagic+key+"\n"))
	if !ok || len(rest) < sha256.Size {
		return nil, nil, false
	}
	sum, payload := rest[:sha256.Size], rest[sha256.Size:]
	if got := sha256.Sum256(payload); !bytes.Equal(got[:], sum) {
		return nil, nil, false
	}
	n, w := binary.Uvarint(payload)
	if w <= 0 || n > uint64(len(payload)-w) {
		return nil, nil, false
	}
	warnings, payload = payload[w:w+int(n)], payload[w+int(n):]
	p, err = ir.DecodeBinary(payload)
	if err != nil {
		return nil, nil, false
	}
	return p, warnings, true
}

// cachePlan keeps the plan and its warnings under key in stateDir, for
// the next run; see cacheFile.
func cachePlan(stateDir, key string, p *ir.Plan, warnings []byte) error {
	if key == "" {
		return nil
	}
	enc, err := p.MarshalBinary()
	if err != nil {
		return err
	}
	payload := binary.AppendUvarint(nil, uint64(len(warnings)))
	payload = append(payload, warnings...)
	payload = append(payload, enc...)
	sum := sha256.Sum256(payload)
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(stateDir, cacheFile+".*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(append(append([]byte(cacheMagic+key+"\n"), sum[:]...), payload...))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(stateDir, cacheFile))
	}
	if err != nil {
		os.Remove(f.Name())
		return errors.Join(errors.New("cannot cache the compiled plan"), err)
	}
	return nil
}
