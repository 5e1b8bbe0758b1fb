package storagetest

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

var orgCases = []testCase{
	{"Create", func(h *harness) {
		o := lp.Organisation{ID: uuid.New(), Name: "Nordic Sales ApS", DefaultRegion: "DK",
			CreatedAt: h.now.In(time.FixedZone("CET", 3600))}
		h.tx(func(ctx context.Context, tx storage.Tx) { h.noErr(tx.Organisations().Create(ctx, o)) })
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.Organisations().Get(ctx, o.ID)
			h.noErr(err)
			require.Equal(h.t, time.UTC, got.CreatedAt.Location(), "times come back in UTC")
			o.CreatedAt = h.now
			require.Equal(h.t, o, got)
			h.is(tx.Organisations().Create(ctx, o), lp.ErrConflict)
			h.is(tx.Organisations().Create(ctx, lp.Organisation{ID: uuid.New(), Name: "X", DefaultRegion: "XX"}), lp.ErrInvalidArgument)
			h.is(tx.Organisations().Create(ctx, lp.Organisation{Name: "X", DefaultRegion: "DK"}), lp.ErrInvalidArgument)
		})
	}},
	{"Get", func(h *harness) {
		h.tenant("A")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			_, err := tx.Organisations().Get(ctx, uuid.New())
			h.is(err, lp.ErrNotFound)
		})
	}},
	{"Update", func(h *harness) {
		tn := h.tenant("A")
		o := tn.Org
		o.Name, o.DefaultRegion = "Renamed", "SE"
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.Organisations().Update(ctx, o))
			h.is(tx.Organisations().Update(ctx, lp.Organisation{ID: uuid.New(), Name: "X", DefaultRegion: "DK"}), lp.ErrNotFound)
			bad := o
			bad.Name = ""
			h.is(tx.Organisations().Update(ctx, bad), lp.ErrInvalidArgument)
		})
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.Organisations().Get(ctx, o.ID)
			h.noErr(err)
			require.Equal(h.t, o, got)
		})
	}},
	{"ObjectsNeedTheirOrganisation", func(h *harness) {
		tn := h.tenant("A")
		ghost := uuid.New() // an organisation never created
		fp := [32]byte{1}
		h.tx(func(ctx context.Context, tx storage.Tx) {
			// Each refusal leaves the transaction usable and writes nothing.
			h.is(tx.Projects().Create(ctx, lp.Project{OrgID: ghost, ID: uuid.New(), Name: "P", CreatedAt: h.now}), lp.ErrNotFound, "project")
			h.is(tx.Templates().Create(ctx, lp.CampaignTemplate{OrgID: ghost, ID: uuid.New(), Name: "T"}), lp.ErrNotFound, "template")
			h.is(tx.Users().Create(ctx, lp.User{OrgID: ghost, ID: uuid.New(), Name: "U", Role: lp.RoleAdmin}), lp.ErrNotFound, "user")
			orgWide := h.block(tn, func(b *lp.BlockEntry) { b.OrgID = ghost })
			h.is(tx.Blocks().Create(ctx, orgWide), lp.ErrNotFound, "block")
			_, err := tx.Blocks().CreateMany(ctx, ghost, []lp.BlockEntry{orgWide})
			h.is(err, lp.ErrNotFound, "blocks")
			h.is(tx.Suppressions().Add(ctx, lp.Suppression{OrgID: ghost, Fingerprint: fp, CreatedBy: tn.Admin.ID, CreatedAt: h.now}), lp.ErrNotFound, "suppression")
			_, err = tx.Events().Append(ctx, h.event(tn, func(e *lp.Event) { e.OrgID = ghost }))
			h.is(err, lp.ErrNotFound, "event")
			h.is(tx.Events().WriteHashes(ctx, ghost, []int64{0}, [][32]byte{fp}), lp.ErrNotFound, "tree hash")
			h.is(tx.Leads().Create(ctx, h.lead(tn, func(l *lp.Lead) { l.OrgID = ghost })), lp.ErrNotFound, "lead")
			rule := h.rule(tn, "success")
			rule.OrgID = ghost
			h.is(tx.RetentionRules().Create(ctx, rule), lp.ErrNotFound, "retention rule")

			seq, err := tx.Events().Append(ctx, h.event(tn))
			h.noErr(err)
			require.Zero(h.t, seq, "a refused append takes no sequence number")
			n, err := tx.Events().Count(ctx, ghost)
			h.noErr(err)
			require.Zero(h.t, n)
			got, err := tx.Suppressions().Find(ctx, ghost, []phone.Fingerprint{fp})
			h.noErr(err)
			require.Empty(h.t, got)
		})
		h.tx(func(ctx context.Context, tx storage.Tx) {
			ps, err := tx.Projects().List(ctx, ghost, storage.Page{})
			h.noErr(err)
			require.Empty(h.t, ps)
			us, err := tx.Users().List(ctx, ghost, storage.Page{})
			h.noErr(err)
			require.Empty(h.t, us)
			bs, err := tx.Blocks().List(ctx, ghost, storage.BlockFilter{}, storage.Page{})
			h.noErr(err)
			require.Empty(h.t, bs)
			_, err = tx.Organisations().Get(ctx, ghost)
			h.is(err, lp.ErrNotFound, "no organisation appears on the way")
		})
	}},
}

var projectCases = []testCase{
	{"Create", func(h *harness) {
		tn := h.tenant("A")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.Projects().Get(ctx, tn.Org.ID, tn.P1.ID)
			h.noErr(err)
			require.Equal(h.t, tn.P1, got)
			h.is(tx.Projects().Create(ctx, tn.P1), lp.ErrConflict)
			bad := lp.Project{OrgID: tn.Org.ID, ID: uuid.New()}
			h.is(tx.Projects().Create(ctx, bad), lp.ErrInvalidArgument)
			bad.Name, bad.OrgID = "X", uuid.Nil
			h.is(tx.Projects().Create(ctx, bad), lp.ErrInvalidArgument)
		})
	}},
	{"Get", func(h *harness) {
		tn := h.tenant("A")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			_, err := tx.Projects().Get(ctx, tn.Org.ID, uuid.New())
			h.is(err, lp.ErrNotFound)
		})
	}},
	{"List", func(h *harness) {
		tn := h.tenant("A")
		want := []uuid.UUID{tn.P1.ID, tn.P2.ID}
		h.tx(func(ctx context.Context, tx storage.Tx) {
			for range 5 {
				p := lp.Project{OrgID: tn.Org.ID, ID: uuid.New(), Name: "P", CreatedAt: h.now}
				h.noErr(tx.Projects().Create(ctx, p))
				want = append(want, p.ID)
			}
		})
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got := listAll(h, func(p storage.Page) ([]lp.Project, error) { return tx.Projects().List(ctx, tn.Org.ID, p) },
				func(p lp.Project) uuid.UUID { return p.ID })
			require.Equal(h.t, sorted(want...), ids(got, func(p lp.Project) uuid.UUID { return p.ID }))
		})
	}},
	{"PageSize", testPageSize},
	{"SetLegalHold", testProjectsSetLegalHold},
}

// testProjectsSetLegalHold sets and lifts a project's hold: Get and List
// show it, a created project keeps its own, another organisation's or an
// unknown project is ErrNotFound, and a bad time changes nothing.
func testProjectsSetLegalHold(h *harness) {
	tn, other := h.tenant("A"), h.tenant("B")
	since := h.now.Add(-time.Hour)
	held := lp.Project{OrgID: tn.Org.ID, ID: uuid.New(), Name: "Held", CreatedAt: h.now, LegalHoldSince: since}
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Projects().Create(ctx, held))
		h.noErr(tx.Projects().SetLegalHold(ctx, tn.Org.ID, tn.P1.ID, since))
		h.is(tx.Projects().SetLegalHold(ctx, tn.Org.ID, uuid.New(), since), lp.ErrNotFound, "unknown project")
		h.is(tx.Projects().SetLegalHold(ctx, tn.Org.ID, other.P1.ID, since), lp.ErrNotFound, "B's project")
		h.is(tx.Projects().SetLegalHold(ctx, tn.Org.ID, tn.P2.ID, time.Date(10_000, 1, 1, 0, 0, 0, 0, time.UTC)), lp.ErrInvalidArgument)
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		p1, err := tx.Projects().Get(ctx, tn.Org.ID, tn.P1.ID)
		h.noErr(err)
		want := tn.P1
		want.LegalHoldSince = since
		require.Equal(h.t, want, p1)
		require.True(h.t, p1.OnLegalHold())
		got, err := tx.Projects().Get(ctx, tn.Org.ID, held.ID)
		h.noErr(err)
		require.Equal(h.t, held, got, "created held")
		p2, err := tx.Projects().Get(ctx, tn.Org.ID, tn.P2.ID)
		h.noErr(err)
		require.Equal(h.t, tn.P2, p2, "a refused hold changes nothing")
		ps, err := tx.Projects().List(ctx, tn.Org.ID, storage.Page{})
		h.noErr(err)
		require.Contains(h.t, ps, want)
		b1, err := tx.Projects().Get(ctx, other.Org.ID, other.P1.ID)
		h.noErr(err)
		require.Equal(h.t, other.P1, b1, "B's project is not held")
	})
	h.tx(func(ctx context.Context, tx storage.Tx) {
		h.noErr(tx.Projects().SetLegalHold(ctx, tn.Org.ID, tn.P1.ID, time.Time{}))
		p1, err := tx.Projects().Get(ctx, tn.Org.ID, tn.P1.ID)
		h.noErr(err)
		require.Equal(h.t, tn.P1, p1, "lifted")
		require.False(h.t, p1.OnLegalHold())
	})
}

// testPageSize checks the Page.Size rules: 0 and negative mean DefaultLimit,
// and a page never holds more than Limit items; After skips up to that id.
func testPageSize(h *harness) {
	tn := h.tenant("A")
	var all []uuid.UUID
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for range storage.DefaultLimit + 3 - 2 {
			p := lp.Project{OrgID: tn.Org.ID, ID: uuid.New(), Name: "P"}
			h.noErr(tx.Projects().Create(ctx, p))
			all = append(all, p.ID)
		}
	})
	all = sorted(append(all, tn.P1.ID, tn.P2.ID)...)
	h.tx(func(ctx context.Context, tx storage.Tx) {
		for _, tc := range []struct {
			page storage.Page
			want []uuid.UUID
		}{
			{storage.Page{}, all[:storage.DefaultLimit]},
			{storage.Page{Limit: -1}, all[:storage.DefaultLimit]},
			{storage.Page{Limit: 1}, all[:1]},
			{storage.Page{Limit: storage.MaxLimit + 1}, all},
			{storage.Page{After: all[0], Limit: 3}, all[1:4]},
			{storage.Page{After: all[len(all)-2]}, all[len(all)-1:]},
			{storage.Page{After: all[len(all)-1]}, nil},
			{storage.Page{After: uuid.Max}, nil},
		} {
			got, err := tx.Projects().List(ctx, tn.Org.ID, tc.page)
			h.noErr(err)
			require.Equal(h.t, tc.want, nilIfEmpty(ids(got, func(p lp.Project) uuid.UUID { return p.ID })), "%+v", tc.page)
		}
	})
}

var templateCases = []testCase{
	{"Create", func(h *harness) {
		tn := h.tenant("A")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.Templates().Get(ctx, tn.Org.ID, tn.Tpl.ID)
			h.noErr(err)
			require.Equal(h.t, tn.Tpl, got, "fields in order")
			h.is(tx.Templates().Create(ctx, tn.Tpl), lp.ErrConflict)
			bad := lp.CampaignTemplate{OrgID: tn.Org.ID, ID: uuid.New(), Name: "X",
				Fields: []lp.TemplateField{{Key: "a"}, {Key: "a"}}}
			h.is(tx.Templates().Create(ctx, bad), lp.ErrInvalidArgument)
			empty := lp.CampaignTemplate{OrgID: tn.Org.ID, ID: uuid.New(), Name: "Empty"}
			h.noErr(tx.Templates().Create(ctx, empty))
			got, err = tx.Templates().Get(ctx, tn.Org.ID, empty.ID)
			h.noErr(err)
			require.Equal(h.t, empty, normTemplate(got))
		})
	}},
	{"Get", func(h *harness) {
		tn := h.tenant("A")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			_, err := tx.Templates().Get(ctx, tn.Org.ID, uuid.New())
			h.is(err, lp.ErrNotFound)
		})
	}},
	{"Update", func(h *harness) {
		tn := h.tenant("A")
		t := tn.Tpl
		t.Name = "Energy v2"
		t.Fields = []lp.TemplateField{{Key: "tariff", Label: "Tariff"}, {Key: "email", Label: "E-mail", Personal: true}, {Key: "first_name", Personal: true}}
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.Templates().Update(ctx, t))
			missing := t
			missing.ID = uuid.New()
			h.is(tx.Templates().Update(ctx, missing), lp.ErrNotFound)
			bad := t
			bad.Name = ""
			h.is(tx.Templates().Update(ctx, bad), lp.ErrInvalidArgument)
		})
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.Templates().Get(ctx, tn.Org.ID, t.ID)
			h.noErr(err)
			require.Equal(h.t, t, got)
		})
	}},
	{"List", func(h *harness) {
		tn := h.tenant("A")
		want := []uuid.UUID{tn.Tpl.ID}
		h.tx(func(ctx context.Context, tx storage.Tx) {
			for range 4 {
				t := lp.CampaignTemplate{OrgID: tn.Org.ID, ID: uuid.New(), Name: "T", Fields: []lp.TemplateField{{Key: "k"}}}
				h.noErr(tx.Templates().Create(ctx, t))
				want = append(want, t.ID)
			}
		})
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got := listAll(h, func(p storage.Page) ([]lp.CampaignTemplate, error) { return tx.Templates().List(ctx, tn.Org.ID, p) },
				func(t lp.CampaignTemplate) uuid.UUID { return t.ID })
			require.Equal(h.t, sorted(want...), ids(got, func(t lp.CampaignTemplate) uuid.UUID { return t.ID }))
			for _, t := range got {
				require.NotEmpty(h.t, t.Fields, "List returns templates with their fields")
			}
		})
	}},
	{"Aliasing", func(h *harness) {
		tn := h.tenant("A")
		t := lp.CampaignTemplate{OrgID: tn.Org.ID, ID: uuid.New(), Name: "T", Fields: []lp.TemplateField{{Key: "a"}, {Key: "b"}}}
		want := t
		want.Fields = []lp.TemplateField{{Key: "a"}, {Key: "b"}}
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.Templates().Create(ctx, t))
			t.Fields[0].Key = "changed"
			got, err := tx.Templates().Get(ctx, tn.Org.ID, t.ID)
			h.noErr(err)
			got.Fields[1].Key = "changed"
			list, err := tx.Templates().List(ctx, tn.Org.ID, storage.Page{})
			h.noErr(err)
			for _, l := range list {
				l.Fields[0].Label = "changed"
			}
			got, err = tx.Templates().Get(ctx, tn.Org.ID, t.ID)
			h.noErr(err)
			require.Equal(h.t, want, got)
		})
	}},
}

var userCases = []testCase{
	{"Create", func(h *harness) {
		tn := h.tenant("A")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.Users().Get(ctx, tn.Org.ID, tn.Agent1.ID)
			h.noErr(err)
			require.Equal(h.t, tn.Agent1, got)
			h.is(tx.Users().Create(ctx, tn.Agent1), lp.ErrConflict)
			h.is(tx.Users().Create(ctx, lp.User{OrgID: tn.Org.ID, ID: uuid.New(), Role: "boss"}), lp.ErrInvalidArgument)
		})
	}},
	{"Get", func(h *harness) {
		tn := h.tenant("A")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			_, err := tx.Users().Get(ctx, tn.Org.ID, uuid.New())
			h.is(err, lp.ErrNotFound)
		})
	}},
	{"List", func(h *harness) {
		tn := h.tenant("A")
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got := listAll(h, func(p storage.Page) ([]lp.User, error) { return tx.Users().List(ctx, tn.Org.ID, p) },
				func(u lp.User) uuid.UUID { return u.ID })
			require.Equal(h.t, sorted(tn.Admin.ID, tn.Agent1.ID, tn.Agent2.ID), ids(got, func(u lp.User) uuid.UUID { return u.ID }))
		})
	}},
	{"AddMember", func(h *harness) {
		tn := h.tenant("A")
		m := lp.ProjectMember{OrgID: tn.Org.ID, ProjectID: tn.P1.ID, UserID: tn.Agent2.ID}
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.Users().AddMember(ctx, m))
			h.noErr(tx.Users().AddMember(ctx, m), "adding an existing membership is a no-op")
			h.is(tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: tn.Org.ID, ProjectID: uuid.New(), UserID: tn.Agent2.ID}), lp.ErrNotFound)
			h.is(tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: tn.Org.ID, ProjectID: tn.P1.ID, UserID: uuid.New()}), lp.ErrNotFound)
		})
		h.tx(func(ctx context.Context, tx storage.Tx) {
			got, err := tx.Users().WithAccess(ctx, tn.Org.ID, tn.P1.ID)
			h.noErr(err)
			require.Equal(h.t, sorted(tn.Admin.ID, tn.Agent1.ID, tn.Agent2.ID), ids(got, func(u lp.User) uuid.UUID { return u.ID }))
		})
	}},
	{"RemoveMember", func(h *harness) {
		tn := h.tenant("A")
		m := lp.ProjectMember{OrgID: tn.Org.ID, ProjectID: tn.P1.ID, UserID: tn.Agent1.ID}
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.Users().RemoveMember(ctx, m))
			h.is(tx.Users().RemoveMember(ctx, m), lp.ErrNotFound)
			h.is(tx.Users().RemoveMember(ctx, lp.ProjectMember{OrgID: tn.Org.ID, ProjectID: tn.P2.ID, UserID: tn.Agent1.ID}), lp.ErrNotFound)
			got, err := tx.Users().WithAccess(ctx, tn.Org.ID, tn.P1.ID)
			h.noErr(err)
			require.Equal(h.t, []uuid.UUID{tn.Admin.ID}, ids(got, func(u lp.User) uuid.UUID { return u.ID }))
		})
	}},
	{"WithAccess", func(h *harness) {
		tn := h.tenant("A")
		admin2 := lp.User{OrgID: tn.Org.ID, ID: uuid.New(), Name: "Erin", Role: lp.RoleAdmin}
		h.tx(func(ctx context.Context, tx storage.Tx) {
			h.noErr(tx.Users().Create(ctx, admin2))
			// An admin who is also a member is listed once.
			h.noErr(tx.Users().AddMember(ctx, lp.ProjectMember{OrgID: tn.Org.ID, ProjectID: tn.P1.ID, UserID: admin2.ID}))
		})
		h.tx(func(ctx context.Context, tx storage.Tx) {
			for _, tc := range []struct {
				project uuid.UUID
				want    []lp.User
			}{
				{tn.P1.ID, []lp.User{tn.Admin, admin2, tn.Agent1}},
				{tn.P2.ID, []lp.User{tn.Admin, admin2, tn.Agent2}},
				{uuid.New(), []lp.User{tn.Admin, admin2}},
			} {
				got, err := tx.Users().WithAccess(ctx, tn.Org.ID, tc.project)
				h.noErr(err)
				want := sorted(ids(tc.want, func(u lp.User) uuid.UUID { return u.ID })...)
				require.Equal(h.t, want, ids(got, func(u lp.User) uuid.UUID { return u.ID }))
				for _, u := range got {
					require.Contains(h.t, tc.want, u, "WithAccess returns the whole user")
				}
			}
		})
	}},
}
