package csvimport_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
)

const benchRows = 1_000_000

// benchLeads is a generated 1M-row, 7-column lead file (about 90 MB) as
// Excel writes it in Denmark: semicolons, CRLF, an address quoted because
// it holds a comma, numbers in national and international shapes.
var benchLeads = sync.OnceValue(func() []byte {
	first := []string{"Anne", "Søren", "Mette", "Lars", "Ida", "Mikkel"}
	last := []string{"Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen"}
	var b bytes.Buffer
	b.WriteString("First name;Last name;E-mail;Address;Phone;Mobile;Tariff\r\n")
	for i := range benchRows {
		f, l := first[i%len(first)], last[i%len(last)]
		fmt.Fprintf(&b, "%s;%s;%s.%s%d@example.com;\"Vesterbrogade %d, %d København V\";%02d %02d %02d %02d;+45 3%d %02d %02d %02d;Green\r\n",
			f, l, strings.ToLower(f), strings.ToLower(l), i, i%300, 1000+i%9000,
			20+i%10, i/10000%100, i/100%100, i%100, i%10, i/10000%100, i/100%100, i%100)
	}
	return b.Bytes()
})

// benchNumbers is a generated 1M-row number list: no header, one number a
// line, national and international shapes mixed.
var benchNumbers = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	for i := range benchRows {
		if i%2 == 0 {
			fmt.Fprintf(&b, "+45 %02d %02d %02d %02d\r\n", 20+i%10, i/10000%100, i/100%100, i%100)
		} else {
			fmt.Fprintf(&b, "%02d%02d%02d%02d\r\n", 30+i%10, i/10000%100, i/100%100, i%100)
		}
	}
	return b.Bytes()
})

// measure runs read b.N times over data and reports MB/s, ns/row and
// allocs/row next to the standard figures.
func measure(b *testing.B, data []byte, read func(io.Reader) int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	rows := 0
	for range b.N {
		rows += read(bytes.NewReader(data))
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if rows != b.N*benchRows {
		b.Fatalf("read %d rows, want %d", rows, b.N*benchRows)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/row")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(rows), "allocs/row")
}

// encodingCSV is the baseline: plain encoding/csv reading the same bytes,
// no decoding, no normalisation.
func encodingCSV(comma rune, header bool) func(io.Reader) int {
	return func(r io.Reader) int {
		cr := csv.NewReader(r)
		cr.Comma = comma
		n := 0
		for {
			_, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				panic(err)
			}
			n++
		}
		if header {
			n--
		}
		return n
	}
}

func BenchmarkLeadFile(b *testing.B) {
	data := benchLeads()
	b.Run("encoding-csv", func(b *testing.B) { measure(b, data, encodingCSV(';', true)) })
	b.Run("csvimport", func(b *testing.B) {
		measure(b, data, func(r io.Reader) int {
			lr, err := csvimport.NewLeadReader(r, energy, csvimport.LeadOptions{Options: csvimport.Options{Region: "DK"}, Ignore: []string{"address", "tariff"}})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for _, err := range lr.All() {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			return n
		})
	})
}

func BenchmarkNumberList(b *testing.B) {
	data := benchNumbers()
	b.Run("encoding-csv", func(b *testing.B) { measure(b, data, encodingCSV(',', false)) })
	b.Run("csvimport", func(b *testing.B) {
		measure(b, data, func(r io.Reader) int {
			nr, err := csvimport.NewNumberReader(r, csvimport.NumberOptions{Options: csvimport.Options{Region: "DK"}})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for _, err := range nr.All() {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			return n
		})
	})
	// phone.Parse alone on the same values: the share of the time that is
	// normalisation rather than reading.
	b.Run("phone.Parse-only", func(b *testing.B) {
		lines := strings.Split(strings.TrimSpace(string(data)), "\r\n")
		measure(b, data, func(io.Reader) int {
			for _, l := range lines {
				if _, err := phone.Parse(l, "DK"); err != nil {
					b.Fatal(err)
				}
			}
			return len(lines)
		})
	})
}
