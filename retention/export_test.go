package retention

import "time"

// SetSince replaces how s measures a batch's time (time.Since), so that
// tests choose how long each batch took.
func SetSince(s *Service, since func(time.Time) time.Duration) { s.since = since }
