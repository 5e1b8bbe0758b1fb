package blocklist

// SnapshotBatches returns how many batches s answered from a screening
// snapshot and how many from the store.
func SnapshotBatches(s *Service) (snapshot, store int64) {
	return s.screens.hits.Load(), s.screens.misses.Load()
}

// PrecheckedBatches returns how many snapshot batches s had looked up
// ahead, on the goroutine reading the leads.
func PrecheckedBatches(s *Service) int64 { return s.screens.ahead.Load() }

// ReloadAtOnce makes s reload a stale screening snapshot after every batch
// that found it stale, without the pause that spaces reloads out, so that
// tests know which batches a snapshot answers.
func ReloadAtOnce(s *Service) { s.screens.pause = 0 }

// LookAhead makes CheckImport and Import of s look every batch up ahead
// on the goroutine reading the leads (always), or none (!always), instead
// of only when the checking goroutine is behind.
func LookAhead(s *Service, always bool) {
	s.ahead = aheadNever
	if always {
		s.ahead = aheadAlways
	}
}
