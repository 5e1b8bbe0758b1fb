package blocklist_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"testing"

	"github.com/stretchr/testify/require"

	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage/memstore"
)

// endless yields leads with distinct numbers until it is stopped, and
// closes exited when it returns.
func endless(exited chan<- struct{}) func(func(csvimport.LeadDraft, error) bool) {
	return func(yield func(csvimport.LeadDraft, error) bool) {
		defer close(exited)
		for i := 0; ; i++ {
			if !yield(csvimport.LeadDraft{Phones: []phone.Number{phone.Number(fmt.Sprintf("+4531%06d", i))}}, nil) {
				return
			}
		}
	}
}

// TestPipelineStops checks that CheckImport and Import, which read the
// sequence on a goroutine of their own, stop it and wait for it before
// returning: on an OnVerdict error, a cancelled ctx and a fatal reader
// error, leaving no goroutine behind; and that a panic of the sequence
// reaches the caller.
func TestPipelineStops(t *testing.T) {
	f := newFixture(t, memstore.New())
	boom := errors.New("host refused the lead")
	for _, tc := range []struct {
		name    string
		cancel  bool // cancel ctx in OnVerdict instead of failing
		wantErr error
	}{{"OnVerdict error", false, boom}, {"ctx cancelled", true, context.Canceled}} {
		for _, imp := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/import=%v", tc.name, imp), func(t *testing.T) {
				ctx, cancel := context.WithCancel(f.ctx)
				defer cancel()
				exited := make(chan struct{})
				delivered := 0
				onVerdict := func(blocklist.LeadVerdict) error {
					delivered++
					if delivered == 2*batchSize+1 {
						if tc.cancel {
							cancel()
							return nil
						}
						return boom
					}
					return nil
				}
				var err error
				if imp {
					_, err = f.svc.Import(ctx, f.dialer, blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: f.tmpl.ID,
						Leads: endless(exited), OnVerdict: onVerdict})
				} else {
					_, err = f.svc.CheckImport(ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID,
						Leads: endless(exited), OnVerdict: onVerdict})
				}
				require.ErrorIs(t, err, tc.wantErr)
				select {
				case <-exited:
				default:
					t.Fatal("the sequence was still running when the call returned")
				}
				require.Zero(t, importerGoroutines(), "no goroutine of the import left behind")
			})
		}
	}
	t.Run("fatal reader error", func(t *testing.T) {
		fatal := &csvimport.LineError{Line: 5, Fatal: true, Err: errors.New("bad encoding")}
		var got int
		_, err := f.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID,
			Leads: func(yield func(csvimport.LeadDraft, error) bool) {
				for i := range 4 {
					if !yield(csvimport.LeadDraft{Phones: []phone.Number{phone.Number(fmt.Sprintf("+4532%06d", i))}}, nil) {
						return
					}
				}
				if yield(csvimport.LeadDraft{}, fatal) {
					t.Error("the sequence was asked for more after the fatal error")
				}
			},
			OnVerdict: func(blocklist.LeadVerdict) error { got++; return nil }})
		require.ErrorIs(t, err, fatal)
		require.Equal(t, 4, got, "the leads before the fatal error are checked")
	})
	t.Run("panic", func(t *testing.T) {
		defer func() {
			require.Equal(t, "sequence broke", recover(), "the sequence's panic reaches the caller")
		}()
		_, _ = f.svc.CheckImport(f.ctx, f.dialer, blocklist.CheckImportRequest{ProjectID: f.energy.ID,
			Leads: func(func(csvimport.LeadDraft, error) bool) { panic("sequence broke") }})
		t.Error("CheckImport returned")
	})
}

// importerGoroutines counts the goroutines running the importer's code.
// A count of all goroutines would not do: database/sql and the drivers
// start and end goroutines of their own (connections, a cancelled
// transaction's watcher) at any time.
func importerGoroutines() int {
	buf := make([]byte, 1<<22)
	n := runtime.Stack(buf, true)
	return strings.Count(string(buf[:n]), "blocklist.(*importer)")
}
