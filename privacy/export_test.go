package privacy

import "time"

// SetAfterForgetCommit makes fn run between a forget's commit and its
// erasers, until the returned restore is called: the crash test exits the
// process there.
func SetAfterForgetCommit(fn func()) (restore func()) {
	old := afterForgetCommit
	afterForgetCommit = fn
	return func() { afterForgetCommit = old }
}

func init() { eraserBackoff = time.Millisecond } // tests need not wait between an eraser's tries
