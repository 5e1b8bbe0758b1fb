// Package retention is automatic deletion: rules per project and call
// outcome ("successes kept 60 days, not interested 30 days"), their dry
// run, and their application in bulk, resumable and as fast as
// hand-written set-based SQL.
//
// # Use
//
// One Service per store, on the store's ChangeLog and privacy service
// (whose erase path and external erasers a purge uses):
//
//	changelog := audit.New(store, keys, signer, nil)
//	priv := privacy.New(store, changelog, nil)
//	ret := retention.New(store, changelog, priv, &retention.Options{Blocklist: blocks})
//
//	// Alice: successes 60 days, not interested 30, everything else 90, since last contact.
//	ret.SetRule(ctx, alice, retention.RuleRequest{ProjectID: energy, Outcome: "success", KeepFor: 60 * 24 * time.Hour})
//	ret.SetRule(ctx, alice, retention.RuleRequest{ProjectID: energy, Outcome: "not_interested", KeepFor: 30 * 24 * time.Hour})
//	ret.SetRule(ctx, alice, retention.RuleRequest{ProjectID: energy, KeepFor: 90 * 24 * time.Hour})
//
//	plan, err := ret.Plan(ctx, alice, time.Now())            // how many are due, per rule
//	report, err := ret.Purge(ctx, alice, time.Now(), retention.PurgeOptions{})
//
//	// Or in the host's errgroup, as a system actor it names:
//	g.Go(func() error { return retention.NewRunner(ret, system, retention.RunnerOptions{Interval: time.Hour, Jitter: 5 * time.Minute}).Run(ctx) })
//
// Every call takes ctx and the acting lp.Actor and needs
// lp.PermManageRetention, checked before a transaction opens; a refusal is
// recorded (access.denied). Each change commits with its ChangeLog event.
//
// # Rules
//
// A rule (lp.RetentionRule) keeps a project's leads of one outcome for
// KeepFor after their basis time (last contact, creation or closing),
// then forgets them (anonymises, like privacy's Forget: the anonymous row
// stays for statistics) or deletes them with their contact history. The
// rule with an empty outcome is the project's catch-all: it applies to
// every outcome (no outcome included) that no other rule of the project
// names. So the rule naming a lead's outcome wins over the catch-all, and
// a lead is due under at most one rule. A lead is due when its basis time
// is before now - KeepFor; a lead never called counts its last contact
// from its creation, an open lead is never due since closing.
//
// # Events: one per batch
//
// A purge records ONE lead.forgotten (or lead.deleted) event per batch, not
// one per lead, naming every lead of the batch in Entry.LeadIDs (stored
// set-based, found by a ChangeLog query by lead id), with ObjectID the
// rule, the project, the detail run (the purge's id) and counts. "Who
// forgot this lead, and why?" is answered by querying by the lead: the
// actor (the system actor of the Runner), the time, the rule and the run.
// One event per lead would cost a ChangeLog append per lead and could not
// run within 1.5x of set-based SQL. After a rule's batches, purge.run
// records the rule's counts for the run (due, forgotten, deleted,
// skipped_legal_hold, failed). Plan records purge.run per rule with
// dry_run=true and changes nothing else. Plan, and a purge as it starts,
// count the due and held leads of every rule in one pass over the
// organisation's leads (storage Leads.CountMany), not a count per rule.
// A retention event holds no number:
// unlike Forget's, its events do not answer "who forgot +45...?", only by
// lead.
//
// # Resumable, idempotent, one at a time
//
// Each batch is one transaction that selects the leads still due, not
// held and (for a forget) not forgotten, erases them and records their
// event. A purge stopped anywhere and run again ends in the state of one
// uninterrupted run. A purge holds a lease in the store (storage.Leases,
// LeaseName) for its organisation, renewed in every batch's transaction,
// so two processes sharing a database never purge one organisation at the
// same time (the second gets ErrBusy).
//
// # Legal hold
//
// A lead under legal hold (privacy.Service.SetLegalHold) is never purged;
// Plan and Purge count it as skipped_legal_hold under its rule. A whole
// project can be held (privacy.Service.SetProjectHold): then every lead of
// it is held, as if each one were, and its due leads are counted under
// skipped_legal_hold too; its rules stay as they are. Once the project's
// hold is lifted (LiftProjectHold), the next Purge erases the leads due
// that are not held on their own. Each batch selects the leads not held
// in its own transaction, so a hold set during a purge takes effect at
// the purge's next batch.
//
// # Also in a purge
//
// With Options.Blocklist a purge sweeps expired block entries
// (blocklist.Service.Sweep); at the end it compacts the store (the SQLite
// and PostgreSQL adapters' Compact) unless PurgeOptions.NoCompact, so
// erased data leaves the database files. Measured figures are in
// BENCHMARKS.md ("retention").
package retention
