// Package leadprivacy is the root of an embeddable SDK for GDPR lead
// privacy in outbound dialers. Its packages parse, mask and fingerprint
// phone numbers; store organisations, leads, contact attempts, do-not-call
// entries, suppressions and retention rules behind one storage contract (in
// memory, SQLite or PostgreSQL), in transactions; read number lists and lead
// files from CSV; keep a do-not-call list that every import and dial is
// checked against; and keep a tamper-evident ChangeLog of every change and
// every look at lead data that holds no personal data itself.
//
// This root package holds the domain model shared by every other package —
// Organisation, Project, CampaignTemplate, User, Lead, ContactAttempt,
// BlockEntry, Suppression, Registry, PendingErasure, RetentionRule, Event,
// Actor — and the sentinel errors (ErrNotFound, ErrForbidden,
// ErrConflict, ErrInvalidArgument, ErrInvalidPhone, ErrBlocked,
// ErrSuppressed) that every function wraps, so errors.Is works across the
// SDK. It imports only the
// standard library, uuid and package phone.
//
// # Packages
//
//   - phone: E.164 parsing of what people type and spreadsheets export,
//     masking for display, keyed fingerprints.
//   - storage: the contract a database adapter implements; storage/memstore
//     (in memory), storage/sqlite (the embedded default) and
//     storage/postgres on the SQL they share in storage/sqlstore,
//     storage/storagetest (the conformance suite every adapter passes),
//     storage/storagemock (generated mocks).
//   - audit: the ChangeLog — recording, queries (also "who forgot this
//     number?" by fingerprint), CSV/JSON export and Merkle-tree verification.
//   - csvimport: streaming readers for number lists and lead files with
//     line-exact errors.
//   - blocklist: the do-not-call list as one service — Block (numbers and
//     prefix ranges), Unblock, SetExpiry, Get, List, Upload, Sweep, the
//     dial-time Check, and CheckImport and Import of leads against blocks
//     and forgotten-and-suppressed numbers; national do-not-call
//     registries (LoadRegistry, ApplyDelta) kept as compiled, versioned
//     snapshots and checked in memory.
//   - privacy: lead admin — Search by number, Lead, the subject-access
//     Export, Preview and Forget (with suppression, legal hold of a lead
//     or a whole project, and the host's erasers run after the commit).
//   - retention: automatic deletion by project and outcome — rules, Plan,
//     a resumable Purge in batches, and a Runner.
//
// # Conventions
//
// Every call that does I/O takes a context first. Every service call takes
// an explicit Actor; a zero Actor fails closed with ErrForbidden, and every
// query is scoped to the actor's organisation. Phone numbers are normalised
// to E.164 with the organisation's default region before they are stored or
// compared. Personal data — numbers, names, field values, notes — never
// appears in errors, logs or the ChangeLog; numbers there are masked
// ("+45••••5678") or fingerprinted with the organisation's secret key.
//
// Times are UTC with microsecond precision, the precision every storage
// adapter keeps; a zero time.Time means "not set". Stored times lie in
// years 1 to 9999 (MinTime to MaxTime, checked by ValidTime), so a far
// future expiry cannot wrap around and lift a block. Texts are valid UTF-8
// without NUL and of bounded length (ValidText: MaxNameLen for names,
// MaxTextLen for field values and notes); reasons, outcomes and ChangeLog
// codes are codes (ValidCode), which keeps names and numbers out of them.
// Every Validate applies these rules, so each adapter stores an accepted
// value exactly and refuses the rest with ErrInvalidArgument.
package leadprivacy
