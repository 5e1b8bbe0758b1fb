package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestFlatStrings checks that the fast path decodes what json.Marshal
// writes for a map[string]string exactly as json.Unmarshal does, and
// leaves everything else to json.Unmarshal.
func TestFlatStrings(t *testing.T) {
	for _, m := range []map[string]string{
		{}, {"matched": "2"}, {"a": "", "": "b", "æø": "ü 1"}, {"tariff": "a", "zone": "north", "n": "12"},
	} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		if !flatStrings(b, &got) {
			t.Errorf("%s: not decoded", b)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%s: got %v", b, got)
		}
	}
	for _, s := range []string{
		`{"a":"x\"y"}`, `{"a":1}`, `{ "a":"b"}`, `{"a":"b",}`, `{"a""b"}`, `{"a":"b"`, `{"a":"b"}}`,
		`{"a":"b","c"}`, "{\"a\":\"\xff\"}", `[]`, `{"a":"b"x}`, `{`, `}`, `{"}`,
	} {
		var got map[string]string
		if flatStrings([]byte(s), &got) {
			t.Errorf("%s: decoded by the fast path as %v", s, got)
		}
		var via jsonCol = jsonCol{&got}
		err := via.Scan(s)
		var want map[string]string
		wantErr := json.Unmarshal([]byte(s), &want)
		if (err != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: jsonCol %v, %v; json.Unmarshal %v, %v", s, got, err, want, wantErr)
		}
	}
}
