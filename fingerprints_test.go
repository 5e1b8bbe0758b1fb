package leadprivacy_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
)

// countingKeys is a StaticKeys that counts its calls, can be told to
// fail, and can hold callers until release is closed.
type countingKeys struct {
	lp.StaticKeys
	calls   atomic.Int64
	fail    atomic.Bool
	release chan struct{}
}

var errKeyStore = errors.New("key store unavailable")

func (k *countingKeys) FingerprintKey(ctx context.Context, org uuid.UUID) ([]byte, error) {
	k.calls.Add(1)
	if k.release != nil {
		select {
		case <-k.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if k.fail.Load() {
		return nil, errKeyStore
	}
	return k.StaticKeys.FingerprintKey(ctx, org)
}

var (
	orgA = uuid.MustParse("00000000-0000-7000-8000-0000000000a1")
	orgB = uuid.MustParse("00000000-0000-7000-8000-0000000000b1")
	keyA = []byte("organisation a's key, 32 bytes..")
	keyB = []byte("organisation b's key, 32 bytes..")
)

func TestFingerprintsUseEachOrganisationsKey(t *testing.T) {
	f := lp.NewFingerprints(lp.StaticKeys{orgA: keyA, orgB: keyB})
	n := phone.Number("+4520123456")
	for org, key := range map[uuid.UUID][]byte{orgA: keyA, orgB: keyB} {
		want, err := phone.NewFingerprinter(key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.Fingerprint(context.Background(), org, n)
		if err != nil || got != want.Fingerprint(n) {
			t.Errorf("org %s: Fingerprint = %x, %v; want the HMAC under its key", org, got, err)
		}
	}
	a, _ := f.Fingerprint(context.Background(), orgA, n)
	b, _ := f.Fingerprint(context.Background(), orgB, n)
	if a == b {
		t.Error("two organisations share a fingerprint")
	}
}

func TestFingerprintsRejectNonCanonicalNumbers(t *testing.T) {
	keys := &countingKeys{StaticKeys: lp.StaticKeys{orgA: keyA}}
	f := lp.NewFingerprints(keys)
	for _, n := range []phone.Number{"004520123456", "+45 20 12 34 56", "20123456", "", "+45201234567890123"} {
		_, err := f.Fingerprint(context.Background(), orgA, n)
		if !errors.Is(err, lp.ErrInvalidPhone) {
			t.Errorf("Fingerprint(%q) = %v, want ErrInvalidPhone", n, err)
		}
		if err != nil && len(n) > 6 && strings.Contains(err.Error(), string(n)) {
			t.Errorf("error shows the number: %v", err)
		}
	}
	if keys.calls.Load() != 0 {
		t.Error("the key was fetched for a number that cannot be fingerprinted")
	}
}

func TestFingerprintsFetchEachKeyOnce(t *testing.T) {
	keys := &countingKeys{StaticKeys: lp.StaticKeys{orgA: keyA, orgB: keyB}, release: make(chan struct{})}
	f := lp.NewFingerprints(keys)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			org := orgA
			if i%2 == 1 {
				org = orgB
			}
			if _, err := f.Fingerprint(context.Background(), org, "+4520123456"); err != nil {
				t.Error(err)
			}
		})
	}
	close(keys.release) // the callers queued up while the first two loaded
	wg.Wait()
	if got := keys.calls.Load(); got != 2 {
		t.Errorf("KeyProvider called %d times for 2 organisations, want 2", got)
	}
}

func TestFingerprintsDoNotCacheFailures(t *testing.T) {
	keys := &countingKeys{StaticKeys: lp.StaticKeys{orgA: keyA}}
	keys.fail.Store(true)
	f := lp.NewFingerprints(keys)
	if _, err := f.Fingerprinter(context.Background(), orgA); !errors.Is(err, errKeyStore) {
		t.Fatalf("Fingerprinter with a failing key store = %v", err)
	}
	keys.fail.Store(false)
	if _, err := f.Fingerprinter(context.Background(), orgA); err != nil {
		t.Fatalf("after the key store recovered: %v", err)
	}
	if _, err := f.Fingerprinter(context.Background(), orgB); !errors.Is(err, lp.ErrNotFound) {
		t.Errorf("organisation without a key: %v, want ErrNotFound", err)
	}
	if _, err := lp.NewFingerprints(nil).Fingerprinter(context.Background(), orgA); !errors.Is(err, lp.ErrInvalidArgument) {
		t.Errorf("no KeyProvider: %v, want ErrInvalidArgument", err)
	}
}

func TestFingerprintsWaitHonoursContext(t *testing.T) {
	keys := &countingKeys{StaticKeys: lp.StaticKeys{orgA: keyA}, release: make(chan struct{})}
	f := lp.NewFingerprints(keys)
	loaded := make(chan error)
	go func() {
		_, err := f.Fingerprinter(context.Background(), orgA)
		loaded <- err
	}()
	for keys.calls.Load() == 0 { // wait until the first caller is loading
		runtime.Gosched()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Fingerprinter(ctx, orgA); !errors.Is(err, context.Canceled) {
		t.Errorf("waiting with a cancelled context = %v, want context.Canceled", err)
	}
	close(keys.release)
	if err := <-loaded; err != nil {
		t.Fatal(err)
	}
}
