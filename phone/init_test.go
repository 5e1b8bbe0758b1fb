package phone_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// TestInitCost checks that importing phone does not build its tables:
// package phone's own init (GODEBUG=inittrace=1) allocates almost
// nothing, where building the tables allocates about 1.6 MB.
func TestInitCost(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	bin := filepath.Join(t.TempDir(), "inittrace")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/inittrace").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	line := regexp.MustCompile(`init github.com/leadprivacy/leadprivacy/phone @[^,]+, [^,]+ clock, (\d+) bytes`)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, out)
	}
	m := line.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no inittrace line for package phone in:\n%s", out)
	}
	const maxBytes = 64 << 10
	if n, _ := strconv.Atoi(string(m[1])); n > maxBytes {
		t.Errorf("package phone's init allocated %d bytes, want at most %d", n, maxBytes)
	}
}
