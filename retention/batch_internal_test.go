package retention

import (
	"testing"
	"time"

	lp "github.com/leadprivacy/leadprivacy"
)

// TestNextBatch checks the adaptive batch size: the size that fits in
// BatchTime at the last batch's pace, from half to twice the last size,
// within [DefaultBatchSize, lp.MaxEventLeads]; a fixed BatchSize never moves.
func TestNextBatch(t *testing.T) {
	s := &Service{batchTime: time.Second}
	for _, c := range []struct {
		size int
		took time.Duration
		want int
	}{
		{1000, time.Second, 1000},
		{1000, 800 * time.Millisecond, 1250},
		{1000, 0, 2000},
		{1000, time.Millisecond, 2000},
		{2000, 1250 * time.Millisecond, 1600},
		{4000, 8 * time.Second, 2000},
		{1000, time.Minute, DefaultBatchSize},
		{8000, time.Millisecond, lp.MaxEventLeads},
		{lp.MaxEventLeads, 0, lp.MaxEventLeads},
	} {
		if got := s.nextBatch(c.size, c.took); got != c.want {
			t.Errorf("nextBatch(%d, %v) = %d, want %d", c.size, c.took, got, c.want)
		}
	}
	fixed := &Service{batch: 300, batchTime: time.Second}
	if got := fixed.nextBatch(300, time.Minute); got != 300 {
		t.Errorf("fixed BatchSize 300: next batch %d", got)
	}
	if got := (&Service{}).firstBatch(); got != DefaultBatchSize {
		t.Errorf("adaptive first batch %d, want %d", got, DefaultBatchSize)
	}
}
