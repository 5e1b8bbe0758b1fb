// Package blocklist is the do-not-call list as one service: block and
// unblock numbers, org-wide or per project, with expiry and reason; show
// and list entries; upload a list; sweep expired entries; and check numbers at dial time and lead
// imports against blocks and forgotten-and-suppressed numbers.
//
// Without it a host wires every step from the storage primitives:
// permission checks, normalising typed numbers, reviving expired blocks,
// the ChangeLog event in the same transaction, fingerprinting numbers for
// the suppression list, and picking the block that applies to a project.
//
// # Use
//
// Make one Service per store, with the store's ChangeLog and the same
// KeyProvider the ChangeLog was made with:
//
//	changelog := audit.New(store, keys, signer, nil)
//	blocks := blocklist.New(store, changelog, nil)
//
//	// Alice blocks a number as she typed it, for every project.
//	res, err := blocks.Block(ctx, alice, blocklist.BlockRequest{Number: "20 12 34 56", Reason: "customer_request"})
//
//	// The dialler asks before each call (or batch of calls).
//	check, err := blocks.Check(ctx, dialer, blocklist.CheckRequest{ProjectID: energy, Numbers: []string{"+4520123456"}})
//	if check.Verdicts[0].Outcome != blocklist.Allowed { /* do not dial */ }
//
//	// A lead file is checked as it is read.
//	reader, err := csvimport.NewLeadReader(file, template, csvimport.LeadOptions{Options: csvimport.Options{Region: "DK"}})
//	counts, err := blocks.CheckImport(ctx, bob, blocklist.CheckImportRequest{
//		ProjectID: energy, Leads: reader.All(),
//		OnVerdict: func(v blocklist.LeadVerdict) error { /* import v.Lead with v.Phones if Allowed */ return nil },
//	})
//
// # Shape of every call
//
// Each call takes ctx, the acting lp.Actor and a request struct, and
// returns a result struct. The permission is checked before a transaction
// opens: lp.PermBlock for Block, Unblock, SetExpiry, Get, List, Upload and
// Sweep, lp.PermImport for Check and CheckImport. A refusal is
// lp.ErrForbidden and is recorded as access.denied by audit.Log.Authorize.
// Every change writes its ChangeLog event in the transaction of the change
// (see the audit package's taxonomy). BlockTx, UnblockTx and SetExpiryTx
// take the host's open storage.Tx instead, so the change commits with the
// host's own; their refusals are recorded in that transaction.
//
// Numbers come in as people type them ("0045 20 12 34 56", "20 12 34 56")
// or in E.164, and are normalised with the organisation's DefaultRegion,
// read in the same transaction. Errors say which input is wrong and why,
// with the number masked (phone.MaskInput), and carry the root sentinels
// (lp.ErrInvalidPhone, lp.ErrInvalidArgument, lp.ErrNotFound, ...). An id
// of another organisation is lp.ErrNotFound, exactly like an unknown one.
//
// # Events
//
//	Block        block.created (not when the number is already actively blocked in the scope)
//	Unblock      block.removed
//	SetExpiry    block.expiry_changed (not when the expiry is unchanged)
//	Upload       block.uploaded with counts, reason and the blocked numbers' fingerprints, one per batch (AllOrNothing: one for an empty file)
//	Sweep        block.expired, one per entry removed
//	CheckImport  import.checked, one per import, with counts
//	Get, List    none: they read the do-not-call list, not lead data
//	Check        none, for the same reason
//
// Get and List show the number in E.164 to actors holding lp.PermSearch (who may
// look leads up by number anyway) and masked to the others.
//
// # Consistency
//
// Once Block has returned, no Check or CheckImport that starts later
// accepts the number, across goroutines and across Stores on one database:
// Block commits before it returns, and checks read in a transaction
// (Store.View) that begins after. Expiry is exact: a block stops its number
// until the instant ExpiresAt, not at it (lp.BlockEntry.ActiveAt); use
// Options.Now to test it.
//
// # Performance
//
// Measured with
//
//	go test -run '^$' -bench CheckOne -benchtime 1000x ./blocklist
//	go test -run '^$' -bench CheckImport -benchtime 5x ./blocklist
//
// on a 2-core VM shared with other work (load average 1.5), against
// 100,000 org-wide blocks (LEADPRIVACY_BENCH_ROWS), baselines in the same
// run. Check of one number, p50 / p99 in µs:
//
//	            Check (service)   FindByNumbers in View   bare indexed SELECT
//	SQLite      14498 / 24064     14455 / 17744           15.7 / 104
//	PostgreSQL  412 / 1330        222 / 536               66.1 / 172
//
// CheckImport of 10,000 one-number leads (LEADPRIVACY_BENCH_LEADS), leads/s:
//
//	            CheckImport   batch primitive alone   one SELECT per lead
//	SQLite      28016         33745                   69817
//	PostgreSQL  126372        197810                  14833
//
// On SQLite both are as slow as the storage primitive they call:
// Blocks.FindByNumbers is planned as a scan of the organisation's
// primary-key range instead of the (org_id, number) index (EXPLAIN QUERY
// PLAN: "SEARCH blocks USING PRIMARY KEY (org_id=?)"), so its cost grows
// with the list: 1.1 ms a check at 10,000 blocks, 14.5 ms at 100,000.
// That is sqlstore's to fix. On PostgreSQL a check runs up to four
// statements in a read-only transaction (project, region only for
// national numbers, blocks, suppressions) where the baseline runs one,
// and CheckImport is 8.5x one SELECT per lead and 0.64x the bare batch
// primitive (the rest: its opening read and closing import.checked event).
package blocklist
