// Package privacy is lead admin: search leads by phone number, open a
// lead with its contact history, export everything held about a number
// (GDPR Art. 15), and Forget — erase a lead's personal data irreversibly
// while its anonymous row keeps statistics true.
//
// # Use
//
// Make one Service per store, with the store's ChangeLog:
//
//	changelog := audit.New(store, keys, signer, nil)
//	admin := privacy.New(store, changelog, &privacy.Options{
//		Erasers:   map[string]privacy.Eraser{"recordings": recordingStore},
//		Blocklist: blocks, // for ForgetOptions.Block
//	})
//
//	// The "Lead Phone Numbers" view: leads log, data available, persons with access.
//	res, err := admin.Search(ctx, alice, "0045 20 12 34 99")
//	// One lead with its contact history.
//	lead, err := admin.Lead(ctx, alice, res.Leads[0].ID)
//	// The subject-access export, as JSON.
//	export, err := admin.Export(ctx, alice, "+4520123499")
//	err = export.WriteJSON(w)
//	// What a forget would do, then the forget itself.
//	plan, err := admin.Preview(ctx, alice, privacy.ForgetRequest{Number: "+4520123499"})
//	receipt, err := admin.ForgetNumber(ctx, alice, "+4520123499", privacy.ForgetOptions{Suppress: true})
//
// # Who sees what
//
// Search, Lead and Export need lp.PermSearch; Preview, Forget, ForgetNumber,
// ForgetFile, legal hold and the erasure calls need lp.PermForget (and
// lp.PermBlock for ForgetOptions.Block). The permission is checked before a
// transaction opens, and a refusal is recorded as access.denied.
//
// An organisation admin (lp.RoleAdmin) sees every lead of the
// organisation; an agent sees the leads of the projects it is a member of.
// Whatever an actor may not see — another organisation's lead or number, a
// lead of a project the agent is not in — is handled exactly as what does
// not exist: the same lp.ErrNotFound for an id, the same empty result for a
// number, the same events. Numbers are taken as people type them and
// normalised with the organisation's default region; an invalid one is
// lp.ErrInvalidPhone, shown masked.
//
// # Events
//
// Every look at lead data is recorded in the transaction of the read, also
// when nothing matched: Search records number.searched (the number masked
// and fingerprinted, how many leads matched), Lead records lead.viewed
// (lead and project), Export records lead.exported (the number, how many
// leads). audit.Log.AccessSummary answers from them who accessed lead admin
// and how often. Each forget records lead.forgotten per lead with its
// receipt's facts, and number.suppressed and block.created with its
// options; legal hold records lead.hold_set and lead.hold_lifted (a
// project's: project.hold_set and project.hold_lifted), and a completed
// external erasure erasure.completed. No event holds a field
// value, a note or a number in any form but masked and fingerprinted.
//
// # Erasure
//
// Forget erases every phone number and field value of a lead and the
// notes and recording references of its calls, and keeps the anonymous
// lead (project, template, outcome, times) and the call facts (time,
// agent, result, talk time), so counts by project, outcome and day stay
// the same. Recording references are handed to the host's erasers after
// the commit, through pending erasures written in the forget's
// transaction and re-driven by RunErasures until they succeed. On SQLite,
// run sqlstore.Store.Compact after forgetting so the erased bytes leave
// the database and its WAL. The package's canary test checks on every
// adapter that no trace of a forgotten lead is left in the store, the
// ChangeLog, the logs, errors or receipts.
//
// A forget is idempotent: a lead forgotten before is reported, not changed,
// and nothing is recorded again. A lead under legal hold (SetLegalHold) is
// skipped and reported until LiftLegalHold. A whole project can be held
// (SetProjectHold, for litigation over a campaign): every lead of it,
// those added later included, is then skipped and reported by Forget,
// ForgetNumber, ForgetFile and Preview exactly like a held lead, never
// erased by retention (EraseBatchTx), and shown held by Search, Lead and
// Export (LeadSummary.LegalHold, with ProjectHold saying why) until
// LiftProjectHold. The two holds are independent: lifting one leaves the
// other. Preview plans with the code
// Forget applies, in a read-only transaction. ForgetTx and ForgetNumberTx
// forget inside a host's own transaction (its erasures stay pending until
// the host commits and calls RunErasures); ForgetFile forgets the numbers
// of a CSV file, a transaction per batch, with a report per line. An
// eraser's error text is never stored or logged, as it may name what it
// failed to erase: a pending erasure keeps "<eraser> failed" and the code
// of an error implementing ErasureCoder.
//
// # Performance
//
// Search costs one Leads.FindByNumbers and one Projects.Get, Templates.Get
// and Users.WithAccess per distinct project and template of the leads
// found, plus the durable commit of its event. Forget costs per lead a
// read of the lead, one update, one scrub of its calls (after reading
// them if erasers are registered), a pending erasure per eraser and its
// lead.forgotten event; ForgetFile finds a batch's leads in one
// Leads.FindByNumbers. Measured figures, their commands and their history
// are in BENCHMARKS.md at the module root.
package privacy
