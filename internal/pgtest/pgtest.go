// Package pgtest gives the SDK's tests their PostgreSQL server: the DSN in
// LEADPRIVACY_TEST_POSTGRES_DSN, which .ci/postgres.sh exports after
// starting a throwaway server.
package pgtest

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// Env names the variable holding the PostgreSQL test DSN.
const Env = "LEADPRIVACY_TEST_POSTGRES_DSN"

// DSN returns the test DSN. When it is unset DSN skips t, or fails it
// under CI=true, where the PostgreSQL tests must run.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set under CI=true: source .ci/postgres.sh to start PostgreSQL", Env)
		}
		t.Skipf("PostgreSQL tests need %s (source .ci/postgres.sh to start a throwaway server)", Env)
	}
	return dsn
}

// Notice tells the developer in one line that the PostgreSQL tests of
// package pkg will skip, when Env is unset outside CI. A TestMain calls it.
//
// The line goes to the terminal: go test shows a passing package's output
// only under -v, and the skip would go unnoticed. The terminal is opened
// with syscall, not package os, whose opens the go command records as test
// inputs: a terminal changes on every keystroke, so the test results would
// never be cached. Without a terminal the line goes to stderr.
func Notice(pkg string) {
	if os.Getenv(Env) != "" || os.Getenv("CI") == "true" {
		return
	}
	msg := fmt.Sprintf("%s: PostgreSQL tests skip: %s is unset (source .ci/postgres.sh)\n", pkg, Env)
	fd, err := syscall.Open("/dev/tty", syscall.O_WRONLY, 0)
	if err != nil {
		os.Stderr.WriteString(msg)
		return
	}
	tty := os.NewFile(uintptr(fd), "/dev/tty")
	defer tty.Close()
	tty.WriteString(msg)
}
