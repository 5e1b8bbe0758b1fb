package blocklist_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/audit"
	"github.com/leadprivacy/leadprivacy/blocklist"
	"github.com/leadprivacy/leadprivacy/csvimport"
	"github.com/leadprivacy/leadprivacy/phone"
)

// call is one service call made by actor; events are what it must record
// when allowed.
type call struct {
	name   string
	perm   lp.Permission
	run    func(f *fixture, actor lp.Actor) error
	events []lp.Action
}

// calls covers every call of the service. Each runs on a fixture where
// 20123456 is blocked org-wide (entry blocked) and 31234567 in Energy
// and 50505050 org-wide with an expiry that has passed (see eventFixture).
func calls(blocked *lp.BlockEntry) []call {
	return []call{
		{"Block", lp.PermBlock, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.Block(f.ctx, a, blocklist.BlockRequest{Number: "40404040", Reason: "r"})
			return err
		}, []lp.Action{audit.ActionBlockCreated}},
		{"Block already blocked", lp.PermBlock, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.Block(f.ctx, a, blocklist.BlockRequest{Number: "20123456", Reason: "r"})
			return err
		}, nil},
		{"Block renews", lp.PermBlock, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.Block(f.ctx, a, blocklist.BlockRequest{Number: "31234567", ProjectID: f.energy.ID, Reason: "r"})
			return err
		}, []lp.Action{audit.ActionBlockCreated}},
		{"SetExpiry", lp.PermBlock, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.SetExpiry(f.ctx, a, blocklist.SetExpiryRequest{Target: blocklist.Target{ID: blocked.ID}, ExpiresAt: start.Add(time.Hour)})
			return err
		}, []lp.Action{audit.ActionBlockExpiryChanged}},
		{"Upload", lp.PermBlock, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.Upload(f.ctx, a, blocklist.UploadRequest{File: strings.NewReader("40404041\n40404042\n20123456\n"), Reason: "dnc_list"})
			return err
		}, []lp.Action{audit.ActionBlocksUploaded}},
		{"Get", lp.PermBlock, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.Get(f.ctx, a, blocklist.GetRequest{ID: blocked.ID})
			return err
		}, nil},
		{"List", lp.PermBlock, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.List(f.ctx, a, blocklist.ListRequest{})
			return err
		}, nil},
		{"Sweep", lp.PermBlock, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.Sweep(f.ctx, a, blocklist.SweepRequest{})
			return err
		}, []lp.Action{audit.ActionBlockExpired}},
		{"Check", lp.PermImport, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.Check(f.ctx, a, blocklist.CheckRequest{ProjectID: f.energy.ID, Numbers: []string{"20123456", "40404040"}})
			return err
		}, nil},
		{"CheckImport", lp.PermImport, func(f *fixture, a lp.Actor) error {
			leads := slices.Values([]csvimport.LeadDraft{{Phones: []phone.Number{"+4520123456"}}, {Phones: []phone.Number{"+4540404040"}}})
			_, err := f.svc.CheckImport(f.ctx, a, blocklist.CheckImportRequest{ProjectID: f.energy.ID, Leads: withNilErrors(leads)})
			return err
		}, []lp.Action{audit.ActionImportChecked}},
		{"Import", lp.PermImport, func(f *fixture, a lp.Actor) error {
			leads := slices.Values([]csvimport.LeadDraft{{Phones: []phone.Number{"+4520123456"}}, {Phones: []phone.Number{"+4540404040"}}})
			_, err := f.svc.Import(f.ctx, a, blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: f.tmpl.ID, Leads: withNilErrors(leads)})
			return err
		}, []lp.Action{audit.ActionLeadsImported}},
		{"LoadRegistry", lp.PermBlock, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.LoadRegistry(f.ctx, a, blocklist.LoadRegistryRequest{Name: "nix", RegistryFile: blocklist.RegistryFile{File: strings.NewReader("60606060\n")}})
			return err
		}, []lp.Action{audit.ActionRegistryLoaded}},
		{"ApplyDelta", lp.PermBlock, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.ApplyDelta(f.ctx, a, blocklist.ApplyDeltaRequest{Name: "nix", Added: strings.NewReader("60606061\n")})
			return err
		}, []lp.Action{audit.ActionRegistryDeltaApplied}},
		{"Registries", lp.PermImport, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.Registries(f.ctx, a)
			return err
		}, nil},
		{"DropRegistry", lp.PermBlock, func(f *fixture, a lp.Actor) error {
			return f.svc.DropRegistry(f.ctx, a, "nix")
		}, []lp.Action{audit.ActionRegistryDropped}},
		{"Unblock", lp.PermBlock, func(f *fixture, a lp.Actor) error {
			_, err := f.svc.Unblock(f.ctx, a, blocklist.UnblockRequest{Target: blocklist.Target{ID: blocked.ID}})
			return err
		}, []lp.Action{audit.ActionBlockRemoved}},
	}
}

func withNilErrors[T any](seq func(func(T) bool)) func(func(T, error) bool) {
	return func(yield func(T, error) bool) {
		for v := range seq {
			if !yield(v, nil) {
				return
			}
		}
	}
}

// eventFixture blocks 20123456 org-wide, and 31234567 in Energy and
// 50505050 org-wide until a time that has passed when it returns.
func eventFixture(t *testing.T, f *fixture) *lp.BlockEntry {
	t.Helper()
	b := f.block(blocklist.BlockRequest{Number: "20123456"}).Entry
	f.block(blocklist.BlockRequest{Number: "31234567", ProjectID: f.energy.ID, ExpiresAt: start.Add(time.Minute)})
	f.block(blocklist.BlockRequest{Number: "50505050", ExpiresAt: start.Add(time.Minute)})
	f.clock.Set(start.Add(time.Minute))
	return &b
}

// TestEventCoverage checks that every call records exactly the events of
// the taxonomy, and that a refused call records exactly one access.denied
// naming the call and the permission, and changes nothing.
func TestEventCoverage(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		blocked := eventFixture(t, f)
		for _, c := range calls(blocked) {
			t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
				// Refused: an actor with every permission but the one needed.
				refused := lp.Actor{OrgID: f.org.ID, UserID: f.nobody.UserID, Permissions: lp.PermAll &^ c.perm}
				entries := f.entries()
				mark := f.eventCount()
				if err := c.run(f, refused); !errors.Is(err, lp.ErrForbidden) {
					t.Fatalf("refused call: %v, want ErrForbidden", err)
				}
				evs := f.eventsSince(mark)
				if len(evs) != 1 || evs[0].Action != audit.ActionAccessDenied || evs[0].ActorID != refused.UserID ||
					evs[0].Details["permission"] != permName(c.perm) || evs[0].Details["attempted"] == "" {
					t.Errorf("refused call recorded %+v, want one access.denied", evs)
				}
				if !slices.EqualFunc(entries, f.entries(), func(a, b lp.BlockEntry) bool { return a.ID == b.ID && a.ExpiresAt.Equal(b.ExpiresAt) }) {
					t.Error("refused call changed the blocklist")
				}
				// A zero actor is refused and cannot be recorded.
				mark = f.eventCount()
				if err := c.run(f, lp.Actor{}); !errors.Is(err, lp.ErrForbidden) {
					t.Errorf("zero actor: %v, want ErrForbidden", err)
				}
				if f.eventCount() != mark {
					t.Error("zero actor recorded events")
				}
				// Allowed: exactly the taxonomy's events.
				mark = f.eventCount()
				allowed := lp.Actor{OrgID: f.org.ID, UserID: f.alice.UserID, Permissions: c.perm}
				if err := c.run(f, allowed); err != nil {
					t.Fatal(err)
				}
				if got := actions(f.eventsSince(mark)); !slices.Equal(got, c.events) {
					t.Errorf("events = %v, want %v", got, c.events)
				}
			})
		}
	})
}

func permName(p lp.Permission) string {
	if p == lp.PermImport {
		return "import"
	}
	return "block"
}

// TestCrossOrganisation checks that another organisation's entry and
// project ids fail exactly like ids that exist nowhere.
func TestCrossOrganisation(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		g := newFixture(t, f.store) // another organisation in the same store
		theirs := g.block(blocklist.BlockRequest{Number: "20123456", ProjectID: g.energy.ID}).Entry
		mine := f.block(blocklist.BlockRequest{Number: "20123456"}).Entry
		ghost := uuid.New()

		byEntry := map[string]func(id uuid.UUID) error{
			"Get": func(id uuid.UUID) error {
				_, err := f.svc.Get(f.ctx, f.alice, blocklist.GetRequest{ID: id})
				return err
			},
			"Unblock": func(id uuid.UUID) error {
				_, err := f.svc.Unblock(f.ctx, f.alice, blocklist.UnblockRequest{Target: blocklist.Target{ID: id}})
				return err
			},
			"SetExpiry": func(id uuid.UUID) error {
				_, err := f.svc.SetExpiry(f.ctx, f.alice, blocklist.SetExpiryRequest{Target: blocklist.Target{ID: id}})
				return err
			},
		}
		byProject := map[string]func(id uuid.UUID) error{
			"Block": func(id uuid.UUID) error {
				_, err := f.svc.Block(f.ctx, f.alice, blocklist.BlockRequest{Number: "31234567", ProjectID: id, Reason: "r"})
				return err
			},
			"Unblock": func(id uuid.UUID) error {
				_, err := f.svc.Unblock(f.ctx, f.alice, blocklist.UnblockRequest{Target: blocklist.Target{Number: "20123456", ProjectID: id}})
				return err
			},
			"Upload": func(id uuid.UUID) error {
				_, err := f.svc.Upload(f.ctx, f.alice, blocklist.UploadRequest{File: strings.NewReader("31234567\n"), ProjectID: id, Reason: "r"})
				return err
			},
			"Check": func(id uuid.UUID) error {
				_, err := f.svc.Check(f.ctx, f.alice, blocklist.CheckRequest{ProjectID: id, Numbers: []string{"20123456"}})
				return err
			},
			"CheckImport": func(id uuid.UUID) error {
				leads := withNilErrors(slices.Values([]csvimport.LeadDraft{{Phones: []phone.Number{"+4520123456"}}}))
				_, err := f.svc.CheckImport(f.ctx, f.alice, blocklist.CheckImportRequest{ProjectID: id, Leads: leads})
				return err
			},
			"Import": func(id uuid.UUID) error {
				leads := withNilErrors(slices.Values([]csvimport.LeadDraft{{Phones: []phone.Number{"+4540404040"}}}))
				_, err := f.svc.Import(f.ctx, f.alice, blocklist.ImportRequest{ProjectID: id, TemplateID: f.tmpl.ID, Leads: leads})
				return err
			},
		}
		byTemplate := map[string]func(id uuid.UUID) error{
			"Import": func(id uuid.UUID) error {
				leads := withNilErrors(slices.Values([]csvimport.LeadDraft{{Phones: []phone.Number{"+4540404040"}}}))
				_, err := f.svc.Import(f.ctx, f.alice, blocklist.ImportRequest{ProjectID: f.energy.ID, TemplateID: id, Leads: leads})
				return err
			},
		}
		mark, theirMark := f.eventCount(), g.eventCount()
		for _, ids := range []struct {
			kind  string
			calls map[string]func(uuid.UUID) error
			other uuid.UUID
		}{{"entry", byEntry, theirs.ID}, {"project", byProject, g.energy.ID}, {"template", byTemplate, g.tmpl.ID}} {
			for name, fn := range ids.calls {
				errOther, errGhost := fn(ids.other), fn(ghost)
				if !errors.Is(errOther, lp.ErrNotFound) || !errors.Is(errGhost, lp.ErrNotFound) {
					t.Errorf("%s with another organisation's %s: %v; with an unknown one: %v; want ErrNotFound", name, ids.kind, errOther, errGhost)
					continue
				}
				if a, b := strings.ReplaceAll(errOther.Error(), ids.other.String(), "ID"), strings.ReplaceAll(errGhost.Error(), ghost.String(), "ID"); a != b {
					t.Errorf("%s: another organisation's %s is distinguishable:\n%s\n%s", name, ids.kind, a, b)
				}
			}
		}
		if f.eventCount() != mark || g.eventCount() != theirMark {
			t.Error("calls with foreign ids recorded events")
		}
		if all := g.entries(); len(all) != 1 || all[0] != theirs {
			t.Errorf("the other organisation's entries changed: %+v", all)
		}
		if all := f.entries(); len(all) != 1 || all[0].ID != mine.ID {
			t.Errorf("own entries = %+v", all)
		}
	})
}

// TestCancelledContext checks that a cancelled ctx fails every call
// without writing.
func TestCancelledContext(t *testing.T) {
	forEachStore(t, func(t *testing.T, f *fixture) {
		blocked := eventFixture(t, f)
		ctx, cancel := context.WithCancel(f.ctx)
		cancel()
		cf := *f
		cf.ctx = ctx
		entries, mark := len(f.entries()), f.eventCount()
		for _, c := range calls(blocked) {
			if err := c.run(&cf, f.alice); !errors.Is(err, context.Canceled) {
				t.Errorf("%s: %v, want context.Canceled", c.name, err)
			}
		}
		if len(f.entries()) != entries || f.eventCount() != mark {
			t.Error("cancelled calls wrote")
		}
	})
}
