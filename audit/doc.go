// Package audit is the ChangeLog: who did what to lead data and the
// do-not-call list, and who looked at lead data. It records, queries,
// summarises and exports events, and makes the log tamper-evident.
//
// # Recording
//
// A *Log is the ChangeLog of one storage.Store: the host makes it once with
// New(store, keys, signer, opts) and hands the same Log and store to every
// service. Every service records through it, inside a transaction of that
// store for the change it records, so an event exists if and only if its
// change committed:
//
//	err := store.WithTx(ctx, func(ctx context.Context, tx storage.Tx) error {
//		if err := tx.Blocks().Create(ctx, entry); err != nil {
//			return err
//		}
//		_, err := changelog.Record(ctx, tx, actor, audit.Entry{
//			Action: audit.ActionBlockCreated, ObjectID: entry.ID, ProjectID: entry.ProjectID,
//			Number: entry.Number, Details: []audit.Detail{audit.Code(audit.KeyReason, entry.Reason)},
//		})
//		return err
//	})
//
// A call refused for lack of permission is recorded by Log.Authorize in a
// transaction of its own, so the attempt stays in the log.
//
// # No personal data
//
// An event holds ids, the action, a time, a masked number and a keyed
// fingerprint, and details; never a name, a number or a field value:
//
//   - A number passed in Entry.Number is stored only as phone.Mask of it
//     ("+45••••5678") and its HMAC-SHA256 fingerprint under the
//     organisation's key (from the host's lp.KeyProvider, fetched once per
//     organisation). Query by number fingerprints the number asked about
//     with the same key, so "who forgot +45 20 12 34 99?" is answered
//     without the number being stored. Without the key a fingerprint cannot
//     be reversed by trying every number.
//   - Details are typed: a count, an id, a time, a duration, a flag, or a
//     code (see Code: lower-case ASCII, at most 64 characters and 4 digits),
//     each under one of the fixed keys below. A value that could be a name,
//     an e-mail address, a phone number or a sentence is rejected with
//     ErrInvalidArgument, and so is any other key. Reason codes (such as a
//     block's reason) are chosen by the host from its own list.
//
// # Taxonomy
//
// One event per call; "Number" means Entry.Number is set (masked and
// fingerprinted), "Numbers" that Entry.Numbers is (fingerprinted only, as
// the event's set: a query by any of them finds the event), ids are the
// Entry fields.
//
//	action                  ids                         details
//	block.created           ObjectID=block, ProjectID*  reason, source, expires_at    Number
//	block.removed           ObjectID=block, ProjectID*  reason                        Number
//	block.expiry_changed    ObjectID=block, ProjectID*  expires_at, previous_expires_at  Number
//	block.uploaded          ObjectID=upload, ProjectID* rows, blocked, already_blocked, invalid, reason  Numbers
//	block.expired           ObjectID=block, ProjectID*                                Number
//	number.searched                                     matched                       Number
//	lead.viewed             LeadID, ProjectID
//	lead.forgotten          LeadID, ProjectID, ObjectID=receipt
//	                                                    fields, phones, contacts, recordings, suppressed, reason  Numbers
//	lead.forgotten (purge)  LeadIDs, ProjectID, ObjectID=rule
//	                                                    leads, contacts, recordings, run
//	lead.deleted            LeadIDs, ProjectID, ObjectID=rule
//	                                                    leads, contacts, recordings, run
//	number.suppressed       ObjectID=receipt            reason                        Number
//	number.unsuppressed                                 reason                        Number
//	import.checked          ProjectID                   checked, accepted, rejected_blocked,
//	                                                    rejected_registered, rejected_suppressed, invalid
//	lead.imported           ProjectID, ObjectID=batch   checked, imported, rejected_blocked,
//	                                                    rejected_registered, rejected_suppressed, invalid
//	lead.changed            LeadID, ProjectID           fields, phones
//	retention_rule.created  ObjectID=rule, ProjectID    outcome, keep_for, action, basis
//	retention_rule.updated  ObjectID=rule, ProjectID    outcome, keep_for, previous_keep_for, action, basis
//	retention_rule.deleted  ObjectID=rule, ProjectID    outcome
//	purge.run               ObjectID=rule, ProjectID    run, due, forgotten, deleted,
//	                                                    skipped_legal_hold, failed, dry_run
//	lead.exported                                       leads                         Number
//	lead.hold_set           LeadID, ProjectID           reason
//	lead.hold_lifted        LeadID, ProjectID           reason
//	project.hold_set        ProjectID                   reason
//	project.hold_lifted     ProjectID                   reason
//	erasure.completed       LeadID, ObjectID=erasure    eraser, recordings, attempts
//	registry.loaded         ObjectID=registry           registry, version, numbers, invalid, content_hash
//	registry.delta_applied  ObjectID=registry           registry, version, numbers, added, removed,
//	                                                    invalid, content_hash
//	registry.dropped        ObjectID=registry           registry, version, numbers
//	access.denied           as the refused call         attempted, permission
//
// (* zero for an organisation-wide block.) The four block.* events of a
// prefix block (Entry.Prefix) carry the prefix as their Number, masked and
// fingerprinted, and the detail prefix=true. The detail keys and their kinds
// are the Key constants: counts (CountKey), codes (CodeKey), ids (IDKey),
// times (TimeKey), durations (DurationKey), flags (FlagKey) and digests of
// non-personal content (HashKey).
//
// # Reading
//
// Query (by actor, actions, lead, project, object, number, time range;
// keyset paging newest first), AccessSummary (searches and lead views per
// user and day or month) and Export (streaming CSV or JSON Lines, CSV safe
// against formula injection) need lp.PermReadChangeLog; a refused read is
// recorded as access.denied.
//
// # Tamper evidence
//
// Each organisation's events form an append-only Merkle tree
// (golang.org/x/mod/sumdb/tlog, the Go checksum database's log, RFC 6962
// compatible). An event's leaf is tlog.RecordHash of its canonical
// encoding (AppendCanonical: versioned, deterministic), and Record stores
// the tree hashes the new leaf completes (tlog.StoredHashes) in the same
// transaction. Log.Checkpoint signs the tree's size and root as a
// golang.org/x/mod/sumdb/note with a key only the host holds
// (note.GenerateKey, note.NewSigner). Verify re-reads the log against a
// checkpoint kept elsewhere and reports the first event that was changed,
// deleted, reordered, inserted or truncated; Log.Prove and CheckProof show
// one event is in a checkpointed log, Log.ProveConsistency and
// CheckConsistency that a newer checkpoint extends an older one.
//
// # Performance
//
// Verify reads the log in pages on two goroutines, each page in a
// read-only transaction (View) of its own. Measured figures, their
// commands and their history are in BENCHMARKS.md at the module root.
package audit
