// Package pgtest gives the SDK's tests their PostgreSQL server: the DSN in
// LEADPRIVACY_TEST_POSTGRES_DSN, which .ci/postgres.sh exports after
// starting a throwaway server.
package pgtest

import (
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
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

// Schema creates a uniquely named schema, dropped when t ends, and returns
// a DSN whose connections use it as search_path. Like DSN it skips t when
// Env is unset.
func Schema(t testing.TB) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	return schema(t, "lp_test_"+hex.EncodeToString(b))
}

// SharedSchema is Schema named after key: the tests that pass the same key
// (two Stores meant to share one database, as two on one SQLite file do)
// get the same schema, created by the first and dropped when t ends.
func SharedSchema(t testing.TB, key string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(key))
	return schema(t, "lp_shared_"+hex.EncodeToString(sum[:8]))
}

func schema(t testing.TB, name string) string {
	t.Helper()
	dsn := DSN(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open admin connection: %v", err)
	}
	if _, err := admin.Exec("CREATE SCHEMA IF NOT EXISTS " + name); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA IF EXISTS " + name + " CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		admin.Close()
	})
	return withSearchPath(dsn, name)
}

// withSearchPath adds search_path to a keyword/value or URL DSN.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
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
