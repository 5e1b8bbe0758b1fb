package audit_test

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
)

func goldenEvent() lp.Event {
	return lp.Event{
		OrgID:        uuid.MustParse("00000000-0000-0000-0000-0000000000a1"),
		Seq:          258,
		Time:         time.Date(2026, 3, 1, 8, 0, 0, 123456000, time.UTC),
		ActorID:      uuid.MustParse("00000000-0000-0000-0000-0000000000b2"),
		Action:       "block.created",
		ObjectID:     uuid.MustParse("00000000-0000-0000-0000-0000000000c3"),
		MaskedNumber: "+45••••3499",
		Fingerprint:  [32]byte{31: 0xff},
		Details:      map[string]string{"reason": "customer_request", "blocked": "1"},
	}
}

// TestCanonicalEncodingIsPinned fails if the version 1 encoding changes:
// that would make every stored log fail to verify. A new encoding needs a
// new EncodingVersion.
func TestCanonicalEncodingIsPinned(t *testing.T) {
	want := "01" +
		"000000000000000000000000000000a1" + // org
		"0000000000000102" + // seq 258
		"00064bf1db626240" + // time: 1772352000123456 µs
		"000000000000000000000000000000b2" + // actor
		"0d" + hex.EncodeToString([]byte("block.created")) +
		"00000000000000000000000000000000" + // lead
		"00000000000000000000000000000000" + // project
		"000000000000000000000000000000c3" + // object
		"13" + hex.EncodeToString([]byte("+45••••3499")) + // 19 bytes
		"00000000000000000000000000000000000000000000000000000000000000ff" +
		"02" + "07" + hex.EncodeToString([]byte("blocked")) + "01" + "31" +
		"06" + hex.EncodeToString([]byte("reason")) + "10" + hex.EncodeToString([]byte("customer_request"))
	e := goldenEvent()
	if got := hex.EncodeToString(audit.AppendCanonical(nil, e)); got != want {
		t.Errorf("encoding\n got %s\nwant %s", got, want)
	}
	if audit.RecordHash(e) != tlog.RecordHash(audit.AppendCanonical(nil, e)) {
		t.Error("RecordHash is not tlog.RecordHash of the encoding")
	}
}

func TestCanonicalEncodingIsDeterministic(t *testing.T) {
	e := goldenEvent()
	e.Details = map[string]string{}
	for i := range 20 {
		e.Details[string(rune('a'+i))] = "v"
	}
	first := string(audit.AppendCanonical(nil, e))
	for range 50 {
		if string(audit.AppendCanonical(nil, e)) != first {
			t.Fatal("encoding depends on map order")
		}
	}
	// Values cannot run into keys: moving a boundary changes the bytes.
	a, b := goldenEvent(), goldenEvent()
	a.Details = map[string]string{"ab": "c"}
	b.Details = map[string]string{"a": "bc"}
	if audit.RecordHash(a) == audit.RecordHash(b) {
		t.Error("details with shifted boundaries hash alike")
	}
	// nil and empty details are the same event.
	a.Details, b.Details = nil, map[string]string{}
	if audit.RecordHash(a) != audit.RecordHash(b) {
		t.Error("nil and empty details hash differently")
	}
	// Time is hashed in microseconds, whatever the zone.
	b.Time = a.Time.In(time.FixedZone("CET", 3600))
	if audit.RecordHash(a) != audit.RecordHash(b) {
		t.Error("the same instant in another zone hashes differently")
	}
}
