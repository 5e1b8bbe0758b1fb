package privacy_test

import (
	"slices"
	"testing"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// TestFixture checks the cast the other tests rely on: who can see which
// project, the subject's leads in each organisation, and their history.
func TestFixture(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		access := func(org, project uuid.UUID) []uuid.UUID {
			var ids []uuid.UUID
			f.tx(func(tx storage.Tx) error {
				us, err := tx.Users().WithAccess(f.ctx, org, project)
				for _, u := range us {
					ids = append(ids, u.ID)
				}
				return err
			})
			slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
			return ids
		}
		sorted := func(ids ...uuid.UUID) []uuid.UUID {
			slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
			return ids
		}
		if got, want := access(f.org.ID, f.energy.ID), sorted(f.alice.UserID, f.bob.UserID); !slices.Equal(got, want) {
			t.Errorf("Energy access = %v, want Alice and Bob %v", got, want)
		}
		if got, want := access(f.org.ID, f.insure.ID), sorted(f.alice.UserID, f.carol.UserID); !slices.Equal(got, want) {
			t.Errorf("Insurance access = %v, want Alice and Carol %v", got, want)
		}
		for _, org := range []uuid.UUID{f.org.ID, f.daveOrg.ID} {
			var leads []lp.Lead
			f.tx(func(tx storage.Tx) error {
				var err error
				leads, err = tx.Leads().FindByNumbers(f.ctx, org, []phone.Number{subject})
				return err
			})
			want := 2
			if org == f.daveOrg.ID {
				want = 1
			}
			if len(leads) != want {
				t.Errorf("org %s: %d leads with the subject's number, want %d", org, len(leads), want)
			}
		}
		if got := f.lead(f.org.ID, f.energyLead.ID).LastContactAt; !got.Equal(f.energyCalls[1].At) {
			t.Errorf("energy lead last contact %v, want the latest call %v", got, f.energyCalls[1].At)
		}
		if cs := f.contacts(f.org.ID, f.energyLead.ID); len(cs) != 2 || cs[1].Notes == "" || cs[1].RecordingRef == "" {
			t.Errorf("energy lead history = %+v, want two calls, the second with notes and a recording", cs)
		}
	})
}
