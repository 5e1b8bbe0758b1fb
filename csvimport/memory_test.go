package csvimport_test

import (
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/leadprivacy/leadprivacy/csvimport"
)

// TestHugeLineBoundedMemory feeds a 1 GiB single line and a 1 GiB
// unterminated quote: each must end with ErrLineTooLong having read only
// about MaxLineBytes plus the buffers, not the gigabyte.
func TestHugeLineBoundedMemory(t *testing.T) {
	const limit = 64 << 10
	for _, head := range []string{"20123456\n", "20123456\n\""} {
		g := &repeatReader{head: head, row: strings.Repeat("7", 4096), rows: 1 << 18}
		nr, err := csvimport.NewNumberReader(g, csvimport.NumberOptions{Options: csvimport.Options{Region: "DK", MaxLineBytes: limit}})
		if err != nil {
			t.Fatal(err)
		}
		var last error
		rows := 0
		for _, err := range nr.All() {
			if err != nil {
				last = err
			} else {
				rows++
			}
		}
		lineErr(t, last, 2, 1, csvimport.ErrLineTooLong, true)
		if rows != 1 {
			t.Errorf("%q: rows = %d", head, rows)
		}
		if g.read > 4*limit {
			t.Errorf("%q: read %d bytes of a 1 GiB line before failing, want at most %d", head, g.read, 4*limit)
		}
	}
}

// TestFileLargerThanMemoryLimit streams a 32 MiB lead file through a
// reader limited to 64 KiB records and checks the live heap never grows by
// more than a few MiB: nothing accumulates.
func TestFileLargerThanMemoryLimit(t *testing.T) {
	const note = 16 << 10
	const rows = 2048 // 2048 × 16 KiB = 32 MiB
	row := "20123456,\"" + strings.Repeat("note line\n", note/10) + "\"\n"
	g := &repeatReader{head: "phone,note\n", row: row, rows: rows}
	lr, err := csvimport.NewLeadReader(g, energy, csvimport.LeadOptions{Options: csvimport.Options{Region: "DK", MaxLineBytes: 64 << 10}, Ignore: []string{"note"}})
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	n := 0
	for _, err := range lr.All() {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n%256 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if n != rows {
		t.Fatalf("read %d rows, want %d", n, rows)
	}
	if total := int64(len(row)) * rows; total < 32<<20 {
		t.Fatalf("file is only %d bytes", total)
	}
	if grow := int64(peak) - int64(base); grow > 4<<20 {
		t.Errorf("live heap grew by %d bytes reading a 32 MiB file", grow)
	}
}

// repeatReader produces head then row rows times, without holding the
// result: a 1 GiB file costs nothing. read counts the bytes consumed.
type repeatReader struct {
	head, row string
	rows      int
	cur       string
	read      int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.cur == "" {
		switch {
		case r.head != "":
			r.cur, r.head = r.head, ""
		case r.rows > 0:
			r.cur = r.row
			r.rows--
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	r.read += int64(n)
	return n, nil
}
