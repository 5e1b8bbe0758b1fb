package csvimport_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
)

var energy = leadprivacy.CampaignTemplate{Name: "Energy", Fields: []leadprivacy.TemplateField{
	{Key: "first_name", Label: "First name", Personal: true},
	{Key: "last_name", Label: "Last name", Personal: true},
	{Key: "email", Label: "E-mail", Personal: true},
	{Key: "meter_size", Label: "Meter size"},
}}

func TestLeadsEnergyImport(t *testing.T) {
	// Scenario 2: header row, semicolons, two phone columns.
	input := "FIRST NAME;last_name;E-Mail;Telefon;Mobil;Kilde\n" +
		"Ann;Berg;ann@example.com;20 12 34 56;+45 31 23 45 67;web\n" +
		"Bo;;;20123499;20 12 34 99;\n" + // the same number twice is one phone
		"Cy;Dahl;;2012x;31234567;\n" + // invalid second-column number: row rejected
		"Di;Eng;;;;\n" + // no number
		"Ed;Falk;;20123498;;;extra\n" // value beyond the header
	lr, err := csvimport.NewLeadReader(strings.NewReader(input), energy, csvimport.LeadOptions{Options: csvimport.Options{Region: "DK"}})
	if err != nil {
		t.Fatal(err)
	}
	if f := lr.Format(); f.Comma != ';' || len(f.Header) != 6 {
		t.Errorf("format = %+v", f)
	}
	cols := lr.Columns()
	wantKinds := []csvimport.ColumnKind{csvimport.ColumnField, csvimport.ColumnField, csvimport.ColumnField, csvimport.ColumnPhone, csvimport.ColumnPhone, csvimport.ColumnUnknown}
	for i, c := range cols {
		if c.Kind != wantKinds[i] || c.Index != i+1 {
			t.Errorf("column %d = %+v, want kind %v", i, c, wantKinds[i])
		}
	}
	if u := lr.Unknown(); len(u) != 1 || u[0].Header != "Kilde" || u[0].Index != 6 {
		t.Errorf("unknown = %+v", u)
	}
	var drafts []csvimport.LeadDraft
	var errs []error
	for d, err := range lr.All() {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		drafts = append(drafts, d)
	}
	want := []csvimport.LeadDraft{
		{Line: 2, Phones: []phone.Number{"+4520123456", "+4531234567"}, Fields: map[string]string{"first_name": "Ann", "last_name": "Berg", "email": "ann@example.com"}},
		{Line: 3, Phones: []phone.Number{"+4520123499"}, Fields: map[string]string{"first_name": "Bo"}},
	}
	if len(drafts) != len(want) {
		t.Fatalf("drafts = %+v", drafts)
	}
	for i := range want {
		if drafts[i].Line != want[i].Line || !equal(drafts[i].Phones, want[i].Phones) || !maps.Equal(drafts[i].Fields, want[i].Fields) {
			t.Errorf("draft %d = %+v, want %+v", i, drafts[i], want[i])
		}
	}
	if len(errs) != 3 {
		t.Fatalf("errors = %v", errs)
	}
	lineErr(t, errs[0], 4, 4, leadprivacy.ErrInvalidPhone, false)
	lineErr(t, errs[1], 5, 0, csvimport.ErrNoPhone, false)
	lineErr(t, errs[2], 6, 7, csvimport.ErrExtraFields, false)
}

func TestLeadsOverrides(t *testing.T) {
	input := "Fornavn,Kontakt,Intern,Ukendt\nAnn,20123456,x,y\n"
	lr, err := csvimport.NewLeadReader(strings.NewReader(input), energy, csvimport.LeadOptions{
		Options:      csvimport.Options{Region: "DK"},
		Map:          map[string]string{"fornavn": "first_name"},
		PhoneColumns: []string{"KONTAKT"},
		Ignore:       []string{"intern"},
	})
	if err != nil {
		t.Fatal(err)
	}
	kinds := []csvimport.ColumnKind{csvimport.ColumnField, csvimport.ColumnPhone, csvimport.ColumnIgnored, csvimport.ColumnUnknown}
	for i, c := range lr.Columns() {
		if c.Kind != kinds[i] {
			t.Errorf("column %d kind %v, want %v", i+1, c.Kind, kinds[i])
		}
	}
	for d, err := range lr.All() {
		if err != nil {
			t.Fatal(err)
		}
		if d.Fields["first_name"] != "Ann" || len(d.Fields) != 1 || !equal(d.Phones, []phone.Number{"+4520123456"}) {
			t.Errorf("draft = %+v", d)
		}
	}
}

func TestLeadsHeaderErrors(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		opts   csvimport.LeadOptions
		target error
	}{
		{"no phone column", "first name,email\nAnn,a@b\n", csvimport.LeadOptions{}, csvimport.ErrNoPhoneColumn},
		{"empty file", "", csvimport.LeadOptions{}, csvimport.ErrNoPhoneColumn},
		{"two columns for one field", "first name,First_Name,phone\n", csvimport.LeadOptions{}, csvimport.ErrDuplicateColumn},
		{"map to a key not in the template", "phone\n", csvimport.LeadOptions{Map: map[string]string{"x": "nope"}}, leadprivacy.ErrInvalidArgument},
		{"binary", "\x00\x01", csvimport.LeadOptions{}, csvimport.ErrBinary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := csvimport.NewLeadReader(strings.NewReader(tt.input), energy, tt.opts)
			if !errors.Is(err, tt.target) {
				t.Fatalf("err = %v, want %v", err, tt.target)
			}
		})
	}
	_, err := csvimport.NewLeadReader(strings.NewReader("first name,phone,First_Name\n"), energy, csvimport.LeadOptions{})
	if err == nil || err.Error() != `leadprivacy: line 1, column 3: two columns map to the same field: "first_name" is also column 1` {
		t.Errorf("message = %v", err)
	}
}

func TestLeadsStopOnError(t *testing.T) {
	input := "phone\n20123456\nbad\n31234567\n"
	lr, err := csvimport.NewLeadReader(strings.NewReader(input), energy, csvimport.LeadOptions{Options: csvimport.Options{Region: "DK", StopOnError: true}})
	if err != nil {
		t.Fatal(err)
	}
	n, errs := 0, 0
	for _, err := range lr.All() {
		if err != nil {
			errs++
			lineErr(t, err, 3, 1, leadprivacy.ErrInvalidPhone, true)
			continue
		}
		n++
	}
	if n != 1 || errs != 1 {
		t.Errorf("drafts %d errors %d", n, errs)
	}
}
