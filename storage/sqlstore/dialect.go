package sqlstore

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Dialect selects the SQL flavour of a database: SQLite or PostgreSQL.
// The adapter writes each statement once; the dialect fills in column types,
// placeholders and list parameters.
type Dialect int

// Supported dialects.
const (
	// SQLite is the embedded default (storage/sqlite, through
	// modernc.org/sqlite, driver name "sqlite"). uuids are stored as 16-byte BLOBs, times as INTEGER
	// unix microseconds.
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL 13 or newer (storage/postgres, through
	// github.com/jackc/pgx/v5/stdlib, driver name "pgx"). uuids are stored
	// as uuid, times as timestamptz.
	Postgres
)

// String returns the dialect's name.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "unknown"
}

func (d Dialect) valid() bool { return d == SQLite || d == Postgres }

// typeNames replaces the type markers used in migrations and casts.
var typeNames = map[Dialect]*strings.Replacer{
	SQLite: strings.NewReplacer(
		"{{UUID}}", "BLOB", "{{TIME}}", "INTEGER", "{{BYTES}}", "BLOB", "{{WITHOUT_ROWID}}", " WITHOUT ROWID"),
	Postgres: strings.NewReplacer(
		"{{UUID}}", "uuid", "{{TIME}}", "timestamptz", "{{BYTES}}", "bytea", "{{WITHOUT_ROWID}}", ""),
}

// sql rewrites a statement written with ? placeholders and type markers
// into the dialect's form ($1, $2, ... on PostgreSQL).
func (d Dialect) sql(q string) string {
	q = typeNames[d].Replace(q)
	if d != Postgres {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// id encodes a uuid column value.
func (d Dialect) id(u uuid.UUID) any {
	if d == SQLite {
		return u[:]
	}
	return u.String()
}

// optID encodes an optional uuid: uuid.Nil is stored as NULL.
func (d Dialect) optID(u uuid.UUID) any {
	if u == uuid.Nil {
		return nil
	}
	return d.id(u)
}

// time encodes a time column value with microsecond precision; the zero
// time is stored as NULL.
func (d Dialect) time(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if d == SQLite {
		return t.UnixMicro()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// lockShared returns the clause that keeps a row a query read from being
// deleted until the transaction ends: FOR KEY SHARE on PostgreSQL; none on
// SQLite, where a write transaction has the database to itself.
func (d Dialect) lockShared() string {
	if d == Postgres {
		return " FOR KEY SHARE"
	}
	return ""
}

// listKind is the element type of a list parameter.
type listKind int

const (
	listText listKind = iota
	listUUID
	listBytes
	listInt
)

var pgArrayType = map[listKind]string{listText: "text[]", listUUID: "uuid[]", listBytes: "bytea[]", listInt: "bigint[]"}

// in returns the condition "col is one of the list parameter", for use with
// the argument list returns. The whole list is one parameter, so a batch of
// any size is one statement: a JSON array read by json_each on SQLite, an
// array compared with = ANY on PostgreSQL.
func (d Dialect) in(col string, k listKind) string {
	if d == Postgres {
		return col + " = ANY(CAST(? AS " + pgArrayType[k] + "))"
	}
	switch k {
	case listUUID, listBytes:
		return col + " IN (SELECT unhex(value) FROM json_each(?))"
	}
	return col + " IN (SELECT value FROM json_each(?))"
}

// textList encodes a list of strings for in(col, listText).
func (d Dialect) textList(vs []string) any {
	if d == Postgres {
		return vs
	}
	return jsonArray(vs)
}

// uuidList encodes a list of uuids for in(col, listUUID). On PostgreSQL
// it is a slice of [16]byte, which pgx sends as a binary uuid[]: 16 bytes
// an id, nothing to format here or parse at the server (a []string went
// as text, 36 characters an id parsed at every bind).
func (d Dialect) uuidList(ids []uuid.UUID) any {
	if d == Postgres {
		b := make([][16]byte, len(ids))
		for i, u := range ids {
			b[i] = u
		}
		return b
	}
	s := make([]string, len(ids))
	for i, u := range ids {
		s[i] = hex.EncodeToString(u[:])
	}
	return jsonArray(s)
}

// bytesList encodes a list of byte strings for in(col, listBytes).
func (d Dialect) bytesList(bs [][]byte) any {
	if d == Postgres {
		return bs
	}
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = hex.EncodeToString(b)
	}
	return jsonArray(s)
}

// intList encodes a list of integers for in(col, listInt).
func (d Dialect) intList(vs []int64) any {
	if d == Postgres {
		return vs
	}
	b, _ := json.Marshal(vs) // []int64 always marshals
	return string(b)
}

func jsonArray(vs []string) string {
	if vs == nil {
		vs = []string{}
	}
	b, _ := json.Marshal(vs) // []string always marshals
	return string(b)
}
