package audit_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/storage"
)

// tamperStore presents another version of one organisation's ChangeLog
// than the store holds: Count and Range serve events, ReadHashes serves
// hashes. It stands for someone editing the database behind the SDK's
// back and works on top of every adapter.
type tamperStore struct {
	storage.Store
	org      uuid.UUID
	events   []lp.Event
	hashes   map[int64][32]byte
	overread bool // Range ignores its upper bound, as a broken adapter might
}

// snapshot reads f's whole log and its tree hashes into a tamperStore that
// serves them unchanged.
func snapshot(f *fixture) *tamperStore {
	f.t.Helper()
	s := &tamperStore{Store: f.store, org: f.org.ID, events: f.events(), hashes: map[int64][32]byte{}}
	idx := make([]int64, tlog.StoredHashCount(int64(len(s.events))))
	for i := range idx {
		idx[i] = int64(i)
	}
	f.tx(func(tx storage.Tx) error {
		hs, err := tx.Events().ReadHashes(f.ctx, f.org.ID, idx)
		for i, h := range hs {
			s.hashes[idx[i]] = h
		}
		return err
	})
	return s
}

// with returns a copy of s serving events instead.
func (s *tamperStore) with(events []lp.Event) *tamperStore {
	c := *s
	c.events = events
	return &c
}

func (s *tamperStore) WithTx(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	return s.Store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error { return fn(ctx, tamperTx{tx, s}) })
}

func (s *tamperStore) View(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	return s.Store.View(ctx, func(ctx context.Context, tx storage.Tx) error { return fn(ctx, tamperTx{tx, s}) })
}

type tamperTx struct {
	storage.Tx
	s *tamperStore
}

func (t tamperTx) Events() storage.Events { return tamperEvents{t.Tx.Events(), t.s} }

type tamperEvents struct {
	storage.Events
	s *tamperStore
}

func (e tamperEvents) Count(ctx context.Context, org uuid.UUID) (int64, error) {
	if org != e.s.org {
		return e.Events.Count(ctx, org)
	}
	return int64(len(e.s.events)), nil
}

func (e tamperEvents) Range(ctx context.Context, org uuid.UUID, from, to int64) ([]lp.Event, error) {
	if org != e.s.org {
		return e.Events.Range(ctx, org, from, to)
	}
	from, to = max(from, 0), min(to, int64(len(e.s.events)))
	if e.s.overread {
		to = int64(len(e.s.events))
	}
	if from >= to {
		return nil, nil
	}
	return e.s.events[from:to], nil
}

// Query serves the events newest first, keyset-paged, ignoring the other
// filters (the tests that tamper with exports select everything).
func (e tamperEvents) Query(ctx context.Context, org uuid.UUID, q storage.EventQuery) ([]lp.Event, error) {
	if org != e.s.org {
		return e.Events.Query(ctx, org, q)
	}
	end := int64(len(e.s.events))
	if q.BeforeSeq > 0 {
		end = min(end, q.BeforeSeq)
	}
	var out []lp.Event
	for i := end - 1; i >= 0 && len(out) < (storage.Page{Limit: q.Limit}).Size(); i-- {
		out = append(out, e.s.events[i])
	}
	return out, nil
}

func (e tamperEvents) ReadHashes(ctx context.Context, org uuid.UUID, indexes []int64) ([][32]byte, error) {
	if org != e.s.org {
		return e.Events.ReadHashes(ctx, org, indexes)
	}
	out := make([][32]byte, len(indexes))
	for i, x := range indexes {
		h, ok := e.s.hashes[x]
		if !ok {
			return nil, lp.ErrNotFound
		}
		out[i] = h
	}
	return out, nil
}

// signedLog records n varied events, takes a checkpoint, then records a
// few more (appending after a checkpoint is legitimate).
func signedLog(t testing.TB, f *fixture, n int) []byte {
	t.Helper()
	entries := make([]audit.Entry, n)
	for i := range entries {
		entries[i] = varied(i)
	}
	f.recordAll(f.admin, entries)
	cp := f.checkpoint()
	for i := range 5 {
		f.mustRecord(f.agent, varied(n+i))
	}
	return cp
}

func TestVerifyIntactLog(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		cp := signedLog(t, f, 300)
		head, err := audit.Verify(f.ctx, f.store, f.org.ID, cp, f.verifier)
		if err != nil {
			t.Fatal(err)
		}
		now, err := audit.OpenCheckpoint(f.checkpoint(), f.org.ID, f.verifier)
		if err != nil {
			t.Fatal(err)
		}
		if head != now || head.N != 305 {
			t.Errorf("Verify head %v, checkpoint now %v", head, now)
		}
		// The newer checkpoint verifies too, and so does an empty log's.
		if _, err := audit.Verify(f.ctx, f.store, f.org.ID, f.checkpoint(), f.verifier); err != nil {
			t.Error(err)
		}
		g := newFixture(t, f.store)
		if _, err := audit.Verify(g.ctx, g.store, g.org.ID, g.checkpoint(), g.verifier); err != nil {
			t.Errorf("empty log: %v", err)
		}
	})
}

// renumber gives events their position as sequence number, as an attacker
// hiding a deletion or insertion would.
func renumber(evs []lp.Event) []lp.Event {
	for i := range evs {
		evs[i].Seq = int64(i)
	}
	return evs
}

// flip changes one byte (or the time by a microsecond) of event i, in a
// field chosen by i, and returns the changed log.
func flip(evs []lp.Event, i int) []lp.Event {
	out := append([]lp.Event(nil), evs...)
	e := out[i]
	e.Details = maps.Clone(e.Details)
	switch i % 11 {
	case 0:
		e.OrgID[i%16] ^= 1
	case 1:
		e.ActorID[i%16] ^= 1
	case 2:
		e.LeadID[i%16] ^= 1
	case 3:
		e.ProjectID[i%16] ^= 1
	case 4:
		e.ObjectID[i%16] ^= 1
	case 5:
		b := []byte(e.Action)
		b[i%len(b)] ^= 1
		e.Action = lp.Action(b)
	case 6:
		b := []byte(e.MaskedNumber)
		b[0] ^= 1
		e.MaskedNumber = string(b)
	case 7:
		e.Fingerprint[i%32] ^= 1
	case 8:
		e.Time = e.Time.Add(1000)
	case 9:
		b := []byte(e.Details["rows"])
		b[0] ^= 1
		e.Details["rows"] = string(b)
	case 10:
		e.Seq ^= 1 << 20
	}
	out[i] = e
	return out
}

// mutations of event i of a log; each returns the mutated log and the
// index Verify must report.
var mutations = []struct {
	name string
	do   func(evs []lp.Event, i int) ([]lp.Event, int64)
}{
	{"flip", func(evs []lp.Event, i int) ([]lp.Event, int64) { return flip(evs, i), int64(i) }},
	{"delete", func(evs []lp.Event, i int) ([]lp.Event, int64) {
		return renumber(append(append([]lp.Event(nil), evs[:i]...), evs[i+1:]...)), int64(i)
	}},
	{"swap", func(evs []lp.Event, i int) ([]lp.Event, int64) {
		out := append([]lp.Event(nil), evs...)
		j := i + 1
		if j == len(evs) {
			i, j = i-1, i
		}
		out[i], out[j] = out[j], out[i]
		return renumber(out), int64(i)
	}},
	{"insert", func(evs []lp.Event, i int) ([]lp.Event, int64) {
		forged := evs[i]
		forged.LeadID = uuid.New()
		out := append(append(append([]lp.Event(nil), evs[:i]...), forged), evs[i:]...)
		return renumber(out), int64(i)
	}},
	{"truncate", func(evs []lp.Event, i int) ([]lp.Event, int64) {
		return append([]lp.Event(nil), evs[:i]...), int64(i)
	}},
	{"delete keeping sequence numbers", func(evs []lp.Event, i int) ([]lp.Event, int64) {
		return append(append([]lp.Event(nil), evs[:i]...), evs[i+1:]...), int64(i)
	}},
	{"swap keeping sequence numbers", func(evs []lp.Event, i int) ([]lp.Event, int64) {
		out := append([]lp.Event(nil), evs...)
		j := min(i+1, len(evs)-1)
		out[j-1], out[j] = out[j], out[j-1]
		return out, int64(j - 1)
	}},
}

// TestVerifyDetectsEveryMutation mutates each event of a signed log of
// 1,000 in every way and requires Verify to report exactly that event.
func TestVerifyDetectsEveryMutation(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		n := 1000
		if testing.Short() || raceEnabled {
			n = 250
		}
		f := newFixture(t, open(t))
		cp := signedLog(t, f, n)
		if _, err := audit.Verify(f.ctx, f.store, f.org.ID, cp, f.verifier); err != nil {
			t.Fatalf("intact log: %v", err)
		}
		// The mutations are served from a snapshot read through the
		// adapter, so a thousand Verify runs need no thousand databases.
		base := snapshot(f)
		if _, err := audit.Verify(f.ctx, base, f.org.ID, cp, f.verifier); err != nil {
			t.Fatalf("unmutated snapshot: %v", err)
		}
		for _, m := range mutations {
			t.Run(m.name, func(t *testing.T) {
				t.Parallel()
				detected := 0
				for i := range n {
					evs, want := m.do(base.events[:len(base.events):len(base.events)], i)
					_, err := audit.Verify(f.ctx, base.with(evs), f.org.ID, cp, f.verifier)
					var te *audit.TamperError
					switch {
					case !errors.As(err, &te) || !errors.Is(err, audit.ErrTampered):
						t.Errorf("event %d: Verify = %v, want a TamperError", i, err)
					case te.Index != want:
						t.Errorf("event %d: reported index %d (%s), want %d", i, te.Index, te.Reason, want)
					default:
						detected++
					}
				}
				t.Logf("%s: %d of %d detected at the right event", m.name, detected, n)
			})
		}
	})
}

// rewritten returns a copy of base serving evs with every tree hash
// recomputed to match them, as an attacker with write access could.
func rewritten(t *testing.T, base *tamperStore, evs []lp.Event) *tamperStore {
	t.Helper()
	forged := base.with(evs)
	forged.hashes = map[int64][32]byte{}
	read := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for k, x := range idx {
			out[k] = forged.hashes[x]
		}
		return out, nil
	})
	for i, e := range evs {
		hs, err := tlog.StoredHashes(int64(i), audit.AppendCanonical(nil, e), read)
		if err != nil {
			t.Fatal(err)
		}
		for k, h := range hs {
			forged.hashes[tlog.StoredHashIndex(0, int64(i))+int64(k)] = h
		}
	}
	return forged
}

func TestVerifyDetectsRewrittenTree(t *testing.T) {
	f := newMemFixture(t)
	cp := signedLog(t, f, 40)
	base := snapshot(f)

	// An attacker who changes event 17 and recomputes every tree hash to
	// match is caught by the checkpoint's root only.
	forged := rewritten(t, base, flip(base.events, 17))
	_, err := audit.Verify(f.ctx, forged, f.org.ID, cp, f.verifier)
	if te := (*audit.TamperError)(nil); !errors.As(err, &te) || te.Index != -1 {
		t.Errorf("rewritten tree: Verify = %v, want a TamperError at an unknown event", err)
	}

	// A changed interior hash is reported at the event that completed it.
	for _, x := range []int64{tlog.StoredHashIndex(1, 3), tlog.StoredHashIndex(3, 1), tlog.StoredHashIndex(0, 41)} {
		s := base.with(base.events)
		s.hashes = maps.Clone(base.hashes)
		h := s.hashes[x]
		h[0] ^= 1
		s.hashes[x] = h
		level, k := tlog.SplitStoredHashIndex(x)
		want := (k+1)<<level - 1
		_, err := audit.Verify(f.ctx, s, f.org.ID, cp, f.verifier)
		if te := (*audit.TamperError)(nil); !errors.As(err, &te) || te.Index != want {
			t.Errorf("hash %d changed: Verify = %v, want a TamperError at event %d", x, err, want)
		}
		delete(s.hashes, x)
		if _, err := audit.Verify(f.ctx, s, f.org.ID, cp, f.verifier); !errors.Is(err, audit.ErrTampered) {
			t.Errorf("hash %d deleted: Verify = %v", x, err)
		}
	}
}

func TestVerifyRejectsOverreadingStore(t *testing.T) {
	f := newMemFixture(t)
	cp := signedLog(t, f, 9000) // more than one page
	s := snapshot(f)
	s.overread = true
	if _, err := audit.Verify(f.ctx, s, f.org.ID, cp, f.verifier); err == nil {
		t.Error("Verify accepted a store returning more events than asked for")
	}
}

func TestVerifyRejectsBadCheckpoints(t *testing.T) {
	f := newMemFixture(t)
	cp := signedLog(t, f, 10)
	other := newMemFixture(t)
	otherCP := signedLog(t, other, 10)
	_, foreignKey, _ := note.GenerateKey(nil, "nordic-sales-changelog")
	foreign, err := note.NewVerifier(foreignKey)
	if err != nil {
		t.Fatal(err)
	}
	altered := []byte(string(cp))
	altered[len("go.sum database tree\n")] = '9' // the tree size
	cases := map[string]struct {
		cp []byte
		v  note.Verifier
	}{
		"another organisation's checkpoint": {otherCP, other.verifier},
		"another key":                       {cp, foreign},
		"no verifier":                       {cp, nil},
		"altered text":                      {altered, f.verifier},
		"garbage":                           {[]byte("hello\n"), f.verifier},
	}
	for name, c := range cases {
		if _, err := audit.Verify(f.ctx, f.store, f.org.ID, c.cp, c.v); !errors.Is(err, audit.ErrBadCheckpoint) {
			t.Errorf("%s: Verify = %v, want ErrBadCheckpoint", name, err)
		}
	}
}

func TestCheckpointNeedsSignerAndPermission(t *testing.T) {
	f := newMemFixture(t)
	if _, err := f.log.Checkpoint(f.ctx, f.agent); !errors.Is(err, lp.ErrForbidden) {
		t.Errorf("agent Checkpoint = %v", err)
	}
	unsigned := audit.New(f.store, f.keys, nil, nil)
	if _, err := unsigned.Checkpoint(f.ctx, f.admin); !errors.Is(err, lp.ErrInvalidArgument) {
		t.Errorf("Checkpoint without signer = %v", err)
	}
}

func TestInclusionProof(t *testing.T) {
	forEachStore(t, func(t *testing.T, open func(testing.TB) storage.Store) {
		f := newFixture(t, open(t))
		cp := signedLog(t, f, 37)
		tree, err := audit.OpenCheckpoint(cp, f.org.ID, f.verifier)
		if err != nil {
			t.Fatal(err)
		}
		for _, seq := range []int64{0, 1, 17, 31, 32, 36} {
			p, err := f.log.Prove(f.ctx, f.admin, seq, tree.N)
			if err != nil {
				t.Fatal(err)
			}
			if err := audit.CheckProof(cp, f.org.ID, f.verifier, p); err != nil {
				t.Errorf("event %d: CheckProof = %v", seq, err)
			}
			forged := p
			forged.Event.ObjectID = uuid.New()
			if err := audit.CheckProof(cp, f.org.ID, f.verifier, forged); !errors.Is(err, audit.ErrTampered) {
				t.Errorf("event %d altered: CheckProof = %v, want ErrTampered", seq, err)
			}
		}
		p, _ := f.log.Prove(f.ctx, f.admin, 3, tree.N)
		p.TreeSize++
		if err := audit.CheckProof(cp, f.org.ID, f.verifier, p); !errors.Is(err, lp.ErrInvalidArgument) {
			t.Errorf("size mismatch: CheckProof = %v", err)
		}
		for _, c := range [][2]int64{{37, 37}, {-1, 37}, {0, 43}} {
			if _, err := f.log.Prove(f.ctx, f.admin, c[0], c[1]); !errors.Is(err, lp.ErrInvalidArgument) {
				t.Errorf("Prove(%d, %d) = %v, want ErrInvalidArgument", c[0], c[1], err)
			}
		}
		if _, err := f.log.Prove(f.ctx, f.agent, 0, tree.N); !errors.Is(err, lp.ErrForbidden) {
			t.Errorf("agent Prove = %v", err)
		}
	})
}

func TestConsistencyProof(t *testing.T) {
	f := newMemFixture(t)
	older := signedLog(t, f, 21) // 21 events, then 5 more
	newer := f.checkpoint()
	o, _ := audit.OpenCheckpoint(older, f.org.ID, f.verifier)
	n, _ := audit.OpenCheckpoint(newer, f.org.ID, f.verifier)
	p, err := f.log.ProveConsistency(f.ctx, f.admin, o.N, n.N)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.CheckConsistency(older, newer, f.org.ID, f.verifier, p); err != nil {
		t.Errorf("CheckConsistency = %v", err)
	}

	// A newer checkpoint signed over a rewritten log (event 3 changed and
	// every tree hash recomputed to match) does not extend the older one.
	forged := f.logOf(rewritten(t, snapshot(f), flip(f.events(), 3)))
	forgedNewer, err := forged.Checkpoint(f.ctx, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	forgedProof, err := forged.ProveConsistency(f.ctx, f.admin, o.N, n.N)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.CheckConsistency(older, forgedNewer, f.org.ID, f.verifier, forgedProof); !errors.Is(err, audit.ErrTampered) {
		t.Errorf("rewritten history: CheckConsistency = %v, want ErrTampered", err)
	}

	if err := audit.CheckConsistency(older, newer, f.org.ID, f.verifier, audit.ConsistencyProof{Old: 1, New: n.N}); !errors.Is(err, lp.ErrInvalidArgument) {
		t.Errorf("wrong sizes: %v", err)
	}
	for _, c := range [][2]int64{{0, 5}, {6, 5}, {5, 27}} {
		if _, err := f.log.ProveConsistency(f.ctx, f.admin, c[0], c[1]); !errors.Is(err, lp.ErrInvalidArgument) {
			t.Errorf("ProveConsistency(%d, %d) = %v", c[0], c[1], err)
		}
	}
}
