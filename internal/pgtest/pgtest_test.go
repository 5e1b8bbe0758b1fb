//go:build unix

package pgtest_test

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/leadprivacy/leadprivacy/internal/pgtest"
)

// TestNotice runs Notice in a child process without a terminal (a session
// of its own), so its line goes to stderr, and checks it is printed only
// when the PostgreSQL tests will skip.
func TestNotice(t *testing.T) {
	if os.Getenv("PGTEST_NOTICE_CHILD") == "1" {
		pgtest.Notice("some/pkg")
		return
	}
	for _, c := range []struct {
		name, dsn, ci string
		want          string
	}{
		{"unset", "", "", "some/pkg: PostgreSQL tests skip: " + pgtest.Env + " is unset (source .ci/postgres.sh)\n"},
		{"set", "host=/tmp", "", ""},
		{"CI", "", "true", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestNotice$")
			cmd.Env = append(os.Environ(), "PGTEST_NOTICE_CHILD=1", pgtest.Env+"="+c.dsn, "CI="+c.ci)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("child: %v\n%s", err, stderr.String())
			}
			if stderr.String() != c.want {
				t.Errorf("stderr = %q, want %q", stderr.String(), c.want)
			}
		})
	}
}
