package blocklist

// SnapshotBatches returns how many batches s answered from a screening
// snapshot and how many from the store.
func SnapshotBatches(s *Service) (snapshot, store int64) {
	return s.screens.hits.Load(), s.screens.misses.Load()
}
