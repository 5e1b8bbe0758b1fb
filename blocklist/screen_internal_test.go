package blocklist

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
)

// BenchmarkScreenMemory measures the heap a screening snapshot takes per
// block entry and per suppression, at 100k of each (the figure
// DefaultSnapshotLimit's doc and BENCHMARKS.md quote):
//
//	go test -run '^$' -bench BenchmarkScreenMemory -benchtime 1x ./blocklist
func BenchmarkScreenMemory(b *testing.B) {
	const n = 100_000
	entries := make([]lp.BlockEntry, n)
	for i := range entries {
		entries[i] = lp.BlockEntry{ID: uuid.New(), Number: phone.Number("+4520" + strconv.Itoa(100000+i)),
			ExpiresAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	}
	fps := make([]phone.Fingerprint, n)
	for i := range fps {
		fps[i] = phone.Fingerprint{byte(i), byte(i >> 8), byte(i >> 16), 1}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var perEntry, perSuppression float64
	for b.Loop() {
		before := heap()
		sb := newScreenBuilder(1)
		for _, e := range entries {
			sb.add(e)
		}
		mid := heap()
		for _, fp := range fps {
			sb.s.suppressed[fp] = struct{}{}
		}
		sb.finish()
		after := heap()
		runtime.KeepAlive(sb)
		perEntry, perSuppression = float64(mid-before)/n, float64(after-mid)/n
	}
	b.ReportMetric(perEntry, "B/entry")
	b.ReportMetric(perSuppression, "B/suppression")
}

// TestScreenBlock checks the snapshot's choice among several entries
// against the store path's: the number's own entry before a prefix, the
// longer prefix first, the longest-lasting among equals, org-wide on a tie.
func TestScreenBlock(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	project, other := uuid.New(), uuid.New()
	e := func(n string, prefix bool, p uuid.UUID, expires time.Duration) lp.BlockEntry { // expires 0: never, 1: at now
		b := lp.BlockEntry{ID: uuid.New(), Number: phone.Number(n), Prefix: prefix, ProjectID: p}
		if expires == 1 { // expires exactly now
			b.ExpiresAt = now
		} else if expires != 0 {
			b.ExpiresAt = now.Add(expires)
		}
		return b
	}
	cases := []struct {
		name    string
		entries []lp.BlockEntry
		want    int // index of the entry that stops +4520123456, -1 none
	}{
		{"own entry before prefix", []lp.BlockEntry{e("+4520", true, uuid.Nil, 0), e("+4520123456", false, project, time.Hour)}, 1},
		{"longer prefix first", []lp.BlockEntry{e("+4520", true, uuid.Nil, 0), e("+452012", true, project, time.Hour)}, 1},
		{"whole number as a prefix", []lp.BlockEntry{e("+452012", true, uuid.Nil, 0), e("+4520123456", true, uuid.Nil, 0)}, 1},
		{"longest lasting", []lp.BlockEntry{e("+4520123456", false, project, time.Hour), e("+4520123456", false, uuid.Nil, 2*time.Hour)}, 1},
		{"never before an expiry", []lp.BlockEntry{e("+4520123456", false, project, 0), e("+4520123456", false, uuid.Nil, 2*time.Hour)}, 0},
		{"org-wide on a tie", []lp.BlockEntry{e("+4520123456", false, project, 0), e("+4520123456", false, uuid.Nil, 0)}, 1},
		{"expired and other project skipped", []lp.BlockEntry{e("+4520123456", false, uuid.Nil, -time.Hour),
			e("+4520123456", false, other, 0), e("+45201", true, project, time.Minute)}, 2},
		{"expiring at now: no longer in force", []lp.BlockEntry{e("+4520123456", false, uuid.Nil, 1), e("+452", true, project, 0)}, 1},
		{"nothing applies", []lp.BlockEntry{e("+4520123457", false, uuid.Nil, 0), e("+45209", true, uuid.Nil, 0)}, -1},
	}
	for _, tc := range cases {
		sb := newScreenBuilder(1)
		applies := map[blockKey]lp.BlockEntry{}
		anyPrefix := false
		for _, b := range tc.entries {
			sb.add(b)
			if b.Applies(project, now) {
				anyPrefix = anyPrefix || b.Prefix
				if cur, ok := applies[blockKey{b.Number, b.Prefix}]; !ok || outlasts(b, cur) {
					applies[blockKey{b.Number, b.Prefix}] = b
				}
			}
		}
		got, ok := sb.s.block("+4520123456", key("+4520123456"), project, now, nil)
		if fgot, fok := sb.finish().block("+4520123456", key("+4520123456"), project, now, nil); fgot != got || fok != ok {
			t.Errorf("%s: with the filter %v %v, without %v %v", tc.name, fgot, fok, got, ok)
		}
		storeB, storeOK := mostSpecific(applies, "+4520123456", anyPrefix)
		if ok != storeOK || ok && got != refOf(storeB) {
			t.Errorf("%s: snapshot %v %v, store path %v %v", tc.name, got, ok, refOf(storeB), storeOK)
		}
		if ok != (tc.want >= 0) || ok && got.ID != tc.entries[tc.want].ID {
			t.Errorf("%s: got %v %v, want entry %d", tc.name, got, ok, tc.want)
		}
	}
}
