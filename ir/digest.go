package ir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// The plan digest covers what a reviewer reads: it is the SHA-256 of the
// plan's text form (WriteText) with its header line written without the
// plan digest itself. The text form is the canonical encoding: one per
// plan, byte-identical for identical plans, and every field of the plan
// is in it — the format version, host, source, source and observed
// digests, and per op its id, kind, owner (the group comments), every
// field that is set, its after list and its origin. The JSON and binary
// forms carry the digest, and a plan decoded from either digests to the
// same value (each round-trips the text form exactly).

// ErrChanged is what CheckDigest's error wraps when the plan no longer
// matches its digest.
var ErrChanged = errors.New("the plan was changed after it was made")

// ErrNoDigest is what CheckDigest's error wraps when the plan has no
// digest to check.
var ErrNoDigest = errors.New("the plan has no plan digest")

// ComputeDigest returns the digest of the plan as it is now, as Seal
// records it. It fails, as WriteText does, on a nil op or body.
func (p *Plan) ComputeDigest() (string, error) {
	h := sha256.New()
	if err := p.writeText(h, false); err != nil {
		return "", err
	}
	return digestPrefix + hex.EncodeToString(h.Sum(nil)), nil
}

// Seal records the plan's digest in PlanDigest. Whatever changes a
// sealed plan (its ops, its header, its observed digest) must seal it
// again, or the plan is refused when it is loaded back.
func (p *Plan) Seal() error {
	d, err := p.ComputeDigest()
	if err != nil {
		return err
	}
	p.PlanDigest = d
	return nil
}

// CheckDigest tells whether the plan is still what it was when it was
// sealed: it fails, wrapping ErrChanged, when its header or ops digest to
// something else than its PlanDigest, and wrapping ErrNoDigest when it
// has none. vsc runs it on every plan file it loads.
func (p *Plan) CheckDigest() error {
	if p.PlanDigest == "" {
		return fmt.Errorf("%w (plan_digest): it was not made by this vsc, or the key was removed", ErrNoDigest)
	}
	got, err := p.ComputeDigest()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrChanged, err)
	}
	if got != p.PlanDigest {
		return fmt.Errorf("%w: its header and ops digest to %s, not to its plan_digest %s", ErrChanged, got, p.PlanDigest)
	}
	return nil
}
