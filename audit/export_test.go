package audit

// SetVerifyReaders sets the number of page readers of Verify and returns
// a func restoring it, for the side-by-side benchmark.
func SetVerifyReaders(n int) (restore func()) {
	old := verifyReaders
	verifyReaders = n
	return func() { verifyReaders = old }
}
