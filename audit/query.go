package audit

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	lp "github.com/leadprivacy/leadprivacy"
	"github.com/leadprivacy/leadprivacy/internal/lperr"
	"github.com/leadprivacy/leadprivacy/phone"
	"github.com/leadprivacy/leadprivacy/storage"
)

// Query selects ChangeLog events of the actor's organisation. Zero fields
// select everything; set fields are combined with AND.
type Query struct {
	ActorID   uuid.UUID   // events by this user
	Actions   []lp.Action // events of any of these actions
	LeadID    uuid.UUID
	ProjectID uuid.UUID
	ObjectID  uuid.UUID
	// Number selects the events about this number, typed in any form people
	// use ("0045 20 12 34 99", "20123499"): it is parsed with the
	// organisation's default region and fingerprinted with its key, and
	// matched against the events' fingerprints. This answers "who blocked
	// or forgot this number?" although no event holds the number.
	Number string
	Since  time.Time // events at or after Since; zero or within lp.ValidTime's range
	Until  time.Time // events before Until; zero or within lp.ValidTime's range
	// BeforeSeq pages backwards (keyset paging, newest first): zero starts
	// at the newest event; pass Page.Next to get the following page.
	BeforeSeq int64
	// Limit is the page size: 0 means storage.DefaultLimit, values above
	// storage.MaxLimit are capped.
	Limit int
}

// Page is one page of a query, newest event first.
type Page struct {
	Events []lp.Event
	// Next is the BeforeSeq of the following page, or 0 when this page is
	// the last one.
	Next int64
}

// Query returns one page of the actor's organisation's events selected by
// q, newest first. The actor needs lp.PermReadChangeLog: otherwise the
// attempt is recorded and the call fails with ErrForbidden. A q.Number that
// cannot be parsed fails with ErrInvalidPhone. It opens transactions of its
// own (Authorize, then View): called inside one of the store's it fails
// with storage.ErrNestedTx.
func (l *Log) Query(ctx context.Context, actor lp.Actor, q Query) (Page, error) {
	if err := l.Authorize(ctx, actor, lp.PermReadChangeLog, actionReadChangeLog); err != nil {
		return Page{}, err
	}
	if err := validWindow(q.Since, q.Until); err != nil {
		return Page{}, err
	}
	var page Page
	err := l.store.View(ctx, func(ctx context.Context, tx storage.Tx) error {
		sq, err := l.storageQuery(ctx, tx, actor.OrgID, q)
		if err != nil {
			return err
		}
		page, err = queryPage(ctx, tx, actor.OrgID, sq)
		return err
	})
	return page, err
}

// validWindow checks a query's Since and Until against lp.ValidTime: a
// time outside the storable range would be encoded wrapped around by a
// store and select the wrong events.
func validWindow(since, until time.Time) error {
	if err := lp.ValidTime("Query.Since", since); err != nil {
		return err
	}
	return lp.ValidTime("Query.Until", until)
}

// actionReadChangeLog names reading the ChangeLog in an access.denied
// event. It is a code, not an action of its own: reads of the ChangeLog
// show no lead data and are not recorded.
const actionReadChangeLog lp.Action = "changelog.read"

// storageQuery translates q for the store, fingerprinting q.Number.
func (l *Log) storageQuery(ctx context.Context, tx storage.Tx, org uuid.UUID, q Query) (storage.EventQuery, error) {
	sq := storage.EventQuery{
		ActorID:   q.ActorID,
		Actions:   slices.Clone(q.Actions),
		LeadID:    q.LeadID,
		ProjectID: q.ProjectID,
		ObjectID:  q.ObjectID,
		Since:     q.Since,
		Until:     q.Until,
		BeforeSeq: q.BeforeSeq,
		Limit:     storage.Page{Limit: q.Limit}.Size(),
	}
	if q.Number == "" {
		return sq, nil
	}
	o, err := tx.Organisations().Get(ctx, org)
	if err != nil {
		return sq, lperr.Wrap("audit: organisation", err)
	}
	n, err := phone.Parse(q.Number, o.DefaultRegion)
	if err != nil {
		return sq, lperr.Wrap("audit: query number "+phone.MaskInput(q.Number), err)
	}
	sq.Fingerprint, err = l.fps.Fingerprint(ctx, org, n)
	return sq, err
}

// queryPage runs one page of sq and computes the cursor of the next one.
func queryPage(ctx context.Context, tx storage.Tx, org uuid.UUID, sq storage.EventQuery) (Page, error) {
	evs, err := tx.Events().Query(ctx, org, sq)
	if err != nil {
		return Page{}, lperr.Wrap("audit: query", err)
	}
	p := Page{Events: evs}
	if len(evs) == sq.Limit {
		p.Next = evs[len(evs)-1].Seq // 0 if the last one is the first event: no more pages
	}
	return p, nil
}

// each runs q page by page with Query, each page in a transaction of its
// own so no transaction stays open for long, and calls fn for every page.
// The log is append-only and pages are keyed by sequence number, so events
// appended meanwhile neither shift nor repeat pages.
func (l *Log) each(ctx context.Context, actor lp.Actor, q Query, fn func([]lp.Event) error) error {
	for {
		page, err := l.Query(ctx, actor, q)
		if err != nil {
			return err
		}
		if len(page.Events) > 0 {
			if err := fn(page.Events); err != nil {
				return err
			}
		}
		if page.Next == 0 {
			return nil
		}
		q.BeforeSeq = page.Next
	}
}

// Period is the length of the buckets of an AccessSummary.
type Period string

// Periods.
const (
	Day   Period = "day"
	Month Period = "month"
)

// SummaryQuery selects the looks at lead data that AccessSummary counts.
type SummaryQuery struct {
	Since, Until time.Time // as Query.Since and Query.Until
	Period       Period    // Day or Month
	// Location is the time zone whose days or months the buckets follow;
	// nil means UTC.
	Location *time.Location
}

// AccessCount is how often one user looked at lead data in one period:
// searches for numbers and views of leads.
type AccessCount struct {
	UserID   uuid.UUID
	Period   time.Time // the period's first instant, in SummaryQuery.Location
	Searches int       // ActionNumberSearched events
	Views    int       // ActionLeadViewed events
}

// AccessSummary answers "which users accessed lead admin, and how often":
// the number of searches and lead views per user and period in q's time
// range, ordered by period, then user id. Like Query it needs
// lp.PermReadChangeLog and opens transactions of its own. Memory grows
// with users × periods, not with events.
func (l *Log) AccessSummary(ctx context.Context, actor lp.Actor, q SummaryQuery) ([]AccessCount, error) {
	if q.Period != Day && q.Period != Month {
		return nil, invalid("SummaryQuery.Period", "must be day or month")
	}
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	type bucket struct {
		user   uuid.UUID
		period time.Time
	}
	counts := map[bucket]*AccessCount{}
	eq := Query{Actions: leadAdminActions, Since: q.Since, Until: q.Until, Limit: storage.MaxLimit}
	err := l.each(ctx, actor, eq, func(evs []lp.Event) error {
		for _, e := range evs {
			b := bucket{e.ActorID, periodStart(e.Time, q.Period, loc)}
			c := counts[b]
			if c == nil {
				c = &AccessCount{UserID: b.user, Period: b.period}
				counts[b] = c
			}
			if e.Action == ActionNumberSearched {
				c.Searches++
			} else {
				c.Views++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]AccessCount, 0, len(counts))
	for _, c := range counts {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b AccessCount) int {
		if c := a.Period.Compare(b.Period); c != 0 {
			return c
		}
		return slices.Compare(a.UserID[:], b.UserID[:])
	})
	return out, nil
}

// periodStart returns the first instant of t's day or month in loc.
func periodStart(t time.Time, p Period, loc *time.Location) time.Time {
	t = t.In(loc)
	day := t.Day()
	if p == Month {
		day = 1
	}
	return time.Date(t.Year(), t.Month(), day, 0, 0, 0, 0, loc)
}
