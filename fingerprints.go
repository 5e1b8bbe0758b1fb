package leadprivacy

import (
	"context"
	"fmt"
	"sync"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/phone"
)

// Fingerprints turns an organisation's phone numbers into its keyed
// fingerprints (see phone.Fingerprinter), the only form in which the
// ChangeLog and the suppression list hold a number. It fetches each
// organisation's key from the host's KeyProvider once and keeps the
// fingerprinter, so a process should share one Fingerprints (such as
// audit.Log.Fingerprints) rather than ask its key store on every call. It
// is safe for concurrent use.
type Fingerprints struct {
	keys KeyProvider

	mu  sync.Mutex
	fps map[uuid.UUID]*fpEntry // per organisation, filled once
}

// fpEntry is one organisation's fingerprinter, loaded once: the first
// caller loads it while others for the same organisation wait on done.
type fpEntry struct {
	done chan struct{}
	fp   *phone.Fingerprinter
	err  error
}

// NewFingerprints returns the fingerprints of the organisations whose keys
// keys supplies. A nil keys fails every call with ErrInvalidArgument.
func NewFingerprints(keys KeyProvider) *Fingerprints {
	return &Fingerprints{keys: keys, fps: map[uuid.UUID]*fpEntry{}}
}

// Fingerprint returns org's fingerprint of n, which must be a canonical
// E.164 number as phone.Parse returns it: another spelling of the same
// number would get another fingerprint and match nothing, so it fails with
// ErrInvalidPhone. A failure to get the key is returned, wrapped, and
// tried again on the next call.
func (f *Fingerprints) Fingerprint(ctx context.Context, org uuid.UUID, n phone.Number) (phone.Fingerprint, error) {
	if !phone.IsE164(string(n)) {
		return phone.Fingerprint{}, fmt.Errorf("%w: fingerprint of %s: not in E.164 form", ErrInvalidPhone, phone.MaskInput(string(n)))
	}
	fp, err := f.Fingerprinter(ctx, org)
	if err != nil {
		return phone.Fingerprint{}, err
	}
	return fp.Fingerprint(n), nil
}

// Fingerprinter returns org's fingerprinter, for fingerprinting a batch
// of numbers already parsed, fetching its key from the KeyProvider on first
// use. A failed fetch is not cached.
func (f *Fingerprints) Fingerprinter(ctx context.Context, org uuid.UUID) (*phone.Fingerprinter, error) {
	f.mu.Lock()
	ent, ok := f.fps[org]
	if !ok {
		ent = &fpEntry{done: make(chan struct{})}
		f.fps[org] = ent
	}
	f.mu.Unlock()
	if ok {
		select {
		case <-ent.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("leadprivacy: fingerprint key of organisation %s: %w", org, ctx.Err())
		}
		if ent.err != nil {
			return f.Fingerprinter(ctx, org) // the loader failed and dropped its entry: try again
		}
		return ent.fp, nil
	}
	ent.fp, ent.err = f.load(ctx, org)
	if ent.err != nil {
		f.mu.Lock()
		delete(f.fps, org)
		f.mu.Unlock()
	}
	close(ent.done)
	return ent.fp, ent.err
}

func (f *Fingerprints) load(ctx context.Context, org uuid.UUID) (*phone.Fingerprinter, error) {
	if f.keys == nil {
		return nil, fmt.Errorf("%w: no KeyProvider to fingerprint numbers with", ErrInvalidArgument)
	}
	key, err := f.keys.FingerprintKey(ctx, org)
	if err != nil {
		return nil, fmt.Errorf("leadprivacy: fingerprint key of organisation %s: %w", org, err)
	}
	fp, err := phone.NewFingerprinter(key)
	if err != nil {
		return nil, fmt.Errorf("leadprivacy: fingerprint key of organisation %s: %w", org, err)
	}
	return fp, nil
}
