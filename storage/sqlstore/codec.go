package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/leadprivacy/leadprivacy/phone"
)

// The scanners below read a column as either dialect stores it, so row
// scanning code is shared by SQLite and PostgreSQL.

// uuidCol scans a uuid: 16 bytes (SQLite BLOB) or text (PostgreSQL uuid).
// NULL scans as uuid.Nil.
type uuidCol struct{ p *uuid.UUID }

func (c uuidCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.p = uuid.Nil
	case []byte:
		if len(v) == 16 {
			copy(c.p[:], v)
			return nil
		}
		u, err := uuid.ParseBytes(v)
		if err != nil {
			return fmt.Errorf("leadprivacy: sqlstore: malformed uuid column")
		}
		*c.p = u
	case string:
		u, err := uuid.Parse(v)
		if err != nil {
			return fmt.Errorf("leadprivacy: sqlstore: malformed uuid column")
		}
		*c.p = u
	case [16]byte:
		*c.p = v
	default:
		return fmt.Errorf("leadprivacy: sqlstore: cannot scan %T into a uuid", src)
	}
	return nil
}

// timeCol scans a time: unix microseconds (SQLite INTEGER) or a
// time.Time (PostgreSQL timestamptz), returned in UTC. NULL scans as the
// zero time.
type timeCol struct{ p *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.p = time.Time{}
	case int64:
		*c.p = time.UnixMicro(v).UTC()
	case time.Time:
		*c.p = v.UTC()
	default:
		return fmt.Errorf("leadprivacy: sqlstore: cannot scan %T into a time", src)
	}
	return nil
}

// fpCol scans a fingerprint; NULL scans as the zero fingerprint.
type fpCol struct{ p *phone.Fingerprint }

func (c fpCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.p = phone.Fingerprint{}
	case []byte:
		if len(v) != len(c.p) {
			return fmt.Errorf("leadprivacy: sqlstore: fingerprint column has %d bytes", len(v))
		}
		copy(c.p[:], v)
	default:
		return fmt.Errorf("leadprivacy: sqlstore: cannot scan %T into a fingerprint", src)
	}
	return nil
}

// hashCol scans a 32-byte tree hash.
type hashCol struct{ p *[32]byte }

func (c hashCol) Scan(src any) error {
	v, ok := src.([]byte)
	if !ok || len(v) != len(c.p) {
		return fmt.Errorf("leadprivacy: sqlstore: malformed hash column")
	}
	copy(c.p[:], v)
	return nil
}

// jsonCol scans a JSON text column into p.
type jsonCol struct{ p any }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("leadprivacy: sqlstore: cannot scan %T as JSON", src)
	}
	if m, ok := c.p.(*map[string]string); ok && flatStrings(b, m) {
		return nil
	}
	if err := json.Unmarshal(b, c.p); err != nil {
		return fmt.Errorf("leadprivacy: sqlstore: malformed JSON column")
	}
	return nil
}

// jsonText encodes v as JSON text for a column. Maps and slices of strings
// always marshal, so the error is impossible for the values stored here.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("leadprivacy: sqlstore: unencodable column value")
	}
	return string(b)
}

// bytesOrNil returns the fingerprint's bytes, or nil (NULL) for the zero
// fingerprint.
func bytesOrNil(fp phone.Fingerprint) any {
	if fp.IsZero() {
		return nil
	}
	return fp[:]
}

// flatStrings decodes b into *m if it is a JSON object of strings as
// json.Marshal writes a map[string]string whose strings need no escapes
// ({"k":"v",...}, no spaces, no backslash, valid UTF-8), and reports
// whether it did; anything else is left to json.Unmarshal. Events and lead
// fields are such objects, and encoding/json's reflection was a fifth of
// reading a page of events.
func flatStrings(b []byte, m *map[string]string) bool {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' || !utf8.Valid(b) {
		return false
	}
	// str reads a string at b[i] == '"' and returns it and the index after it.
	str := func(i int) (string, int, bool) {
		if i >= len(b) || b[i] != '"' {
			return "", 0, false
		}
		for j := i + 1; j < len(b); j++ {
			switch c := b[j]; {
			case c == '"':
				return string(b[i+1 : j]), j + 1, true
			case c == '\\' || c < 0x20:
				return "", 0, false
			}
		}
		return "", 0, false
	}
	out := make(map[string]string)
	for i := 1; i < len(b)-1; {
		k, j, ok := str(i)
		if !ok || j >= len(b) || b[j] != ':' {
			return false
		}
		v, j, ok := str(j + 1)
		if !ok {
			return false
		}
		out[k] = v
		switch {
		case j == len(b)-1:
			i = j
		case b[j] == ',' && j+1 < len(b)-1:
			i = j + 1
		default:
			return false
		}
	}
	*m = out
	return true
}
