// Package blocklist is the do-not-call list as one service: block and
// unblock numbers, org-wide or per project, with expiry and reason; show
// and list entries; upload a list; sweep expired entries; load national
// do-not-call registries; and check numbers at dial time and lead imports
// against blocks, registries and forgotten-and-suppressed numbers.
//
// Without it a host wires every step from the storage primitives:
// permission checks, normalising typed numbers, reviving expired blocks,
// the ChangeLog event in the same transaction, fingerprinting numbers for
// the suppression list, and picking the block that applies to a project.
//
// # Use
//
// Make one Service per store, with the store's ChangeLog (whose
// fingerprint keys and clock it uses):
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
//	// Or the SDK stores the leads that pass, each batch checked in its write transaction.
//	res, err := blocks.Import(ctx, bob, blocklist.ImportRequest{ProjectID: energy, TemplateID: template.ID, Leads: reader.All()})
//
// # Prefix blocks
//
// A prefix block stops a whole number range: BlockRequest.Prefix "+45 70"
// blocks every number starting with +4570, organisation-wide or in one
// project, with expiry and reason like a number's block. The prefix has
// a field of its own instead of a wildcard in Number, as '*' is a
// dialable character, and is written internationally only ('+', the
// calling code, more digits; see ParsePrefix). Unblock and SetExpiry name
// it by Target.Prefix; Get and List show it as a row with Prefix set,
// masked like a number for actors without lp.PermSearch. A number and a
// prefix of the same digits are two entries.
//
// When several blocks apply to a number, Check, CheckImport and Import name the
// most specific (Verdict.Block): the number's own entry before any
// prefix block, a longer prefix before a shorter one (Block.Prefix says
// which); Upload, which blocks numbers, counts a number as already
// blocked only by its own entry. A prefix block's events carry the prefix
// masked and fingerprinted like a number, with the detail "prefix" (see
// audit.Entry.Prefix), so the ChangeLog finds them by the prefix and holds
// no range in plain text.
//
// # Registries
//
// A national do-not-call registry (the UK's TPS, Sweden's NIX-Telefon, the
// US National Do Not Call Registry) is a list of its own: named ("tps"),
// org-wide or scoped to projects, loaded whole from the provider's file by
// LoadRegistry or changed by ApplyDelta, each making the next version.
// Its 10⁷–10⁸ numbers are not stored as block rows: they are compiled into
// an immutable index (internal/numindex) whose serialized form, the
// snapshot, is stored in chunks with its SHA-256 content hash.
//
//	res, err := blocks.LoadRegistry(ctx, alice, blocklist.LoadRegistryRequest{Name: "tps",
//		RegistryFile: blocklist.RegistryFile{File: tpsFile, Region: "GB"}})
//	// Later, the provider's daily change files.
//	res, err = blocks.ApplyDelta(ctx, alice, blocklist.ApplyDeltaRequest{Name: "tps", Added: adds, Removed: dels,
//		RegistryFile: blocklist.RegistryFile{Region: "GB"}})
//
// Files are read with csvimport: one number a line, header or not, any
// encoding; TPS fixed-width lines ("0207 3787244") are one number each, and
// the US "area code,number" layout is read with Columns {1, 2} and Join.
// Invalid lines are counted and the first of them reported
// (LoadResult.InvalidLines), or fail the load under StopOnError. The file
// is read and compiled before the one transaction that writes the version
// (row, snapshot, event), so a cancelled or failed load leaves the
// version in force and no part of another visible. The current and the
// previous snapshot are kept.
//
// Check, CheckImport and Import consult the registries that apply to the
// project after the manual blocks: a listed number is Registered, and
// Verdict.Registry names the registry and version (the first by name if
// several list it). A lead's outcome ranks Blocked before Registered
// before Suppressed: the organisation's own block says more (who, why,
// until when) than a registry listing, and either says more than a
// suppression. Import never stores a registered number.
//
// Each batch sees the organisation's registries as its read transaction
// does, one version of each, whole: it lists them there again only when
// the screening generation it reads has changed since the last listing
// (registry writes bump it too). The index of a version is read, verified
// against the content hash (each chunk hashed while the next is read) and
// loaded in place once per Service, by the first batch that sees it, and
// then shared by every goroutine; concurrent batches wait for that one
// load, and a superseded version is dropped. A snapshot whose bytes no
// longer match its hash (ErrCorruptSnapshot, naming registry and version)
// is refused and logged once, and the previous version stays in force:
// the one cached, else the kept previous snapshot, verified by the hash it
// carries. With no intact version a check fails rather than pass a number
// unscreened.
//
// # Shape of every call
//
// Each call takes ctx, the acting lp.Actor and a request struct, and
// returns a result struct. The permission is checked before a transaction
// opens: lp.PermBlock for Block, Unblock, SetExpiry, Get, List, Upload,
// Sweep, LoadRegistry, ApplyDelta and DropRegistry, lp.PermImport for
// Check, CheckImport, Import and Registries. A refusal is
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
//	Import       lead.imported, one per batch, with counts (no import.checked)
//	LoadRegistry registry.loaded with the version, counts and content hash, never a number
//	ApplyDelta   registry.delta_applied, the same with the numbers added and removed
//	DropRegistry registry.dropped
//	Get, List    none: they read the do-not-call list, not lead data (Registries likewise)
//	Check        none, for the same reason
//
// Get and List show the number in E.164 to actors holding lp.PermSearch (who may
// look leads up by number anyway) and masked to the others.
//
// # Consistency
//
// Once Block has returned, no Check, CheckImport or Import that starts
// later accepts the number, across goroutines and across Stores on one
// database: Block commits before it returns, and checks read in a
// transaction (Store.View) that begins after. Import checks each batch in
// the write transaction that stores it, so a Block committing meanwhile is
// either seen or serialised after the batch. Expiry is exact: a block stops its number
// until the instant ExpiresAt, not at it (lp.BlockEntry.ActiveAt), read
// from the clock when each batch is checked; use Options.Now to test it.
//
// # Screening snapshot
//
// The Service keeps, per organisation, an in-memory copy of its whole
// screening list: every block entry (exact and prefix, org-wide and per
// project, expired ones too, as expiry is evaluated when a batch is
// checked) and every suppressed fingerprint, taken in one read
// transaction together with the list's screening generation
// (storage.Blocks.ScreeningGeneration, a counter every write to blocks or
// suppressions increases in its own transaction, enforced by the storage
// adapters). Each batch of Check, CheckImport and Import reads the
// generation in its own transaction, one primary-key look-up, and answers
// from the copy only if the copy was taken at that generation, so it
// holds exactly what the transaction would read; otherwise the batch reads
// the store as it always did, and once its transaction is over the call
// reloads the copy in a read transaction of its own (one caller at a time,
// and never more than a quarter of the time: a reload waits three times
// its own duration after the previous one, so a list written to all the
// time is read from the store). Verdicts are the same either way: the
// most specific block, the longest-lasting among equals, Blocked before
// Registered before Suppressed. An organisation with more than
// Options.SnapshotLimit entries and suppressions (DefaultSnapshotLimit,
// 1,000,000; about 100 bytes an entry) is always checked against the
// store. Every process writing the database must bump the generation,
// that is, run a version of the storage adapters that has it.
//
// # Performance
//
// BENCHMARKS.md (sections blocklist and "Registry lists") has the figures
// at the scale (1M blocks, 100k leads, 1M uploaded numbers; a 10M
// registry and 1M leads) beside their baselines and the commands that
// measure them. CheckImport and Import read and parse the leads on a
// goroutine of their own, at most two batches ahead. While the checking
// goroutine is behind, the reading one also parses each batch's numbers
// and looks them up in the screening snapshot and in the registry
// versions the last batch's transaction saw in force (each answer used
// only if the batch's own transaction sees the same); otherwise the
// checking goroutine does that itself, so the work goes to whichever has
// time. A batch's memory is reused by a later one, except the verdicts'
// Numbers and Phones when OnVerdict (or Import's store) may keep them. A
// Check answered from the snapshot is one read-only transaction of three
// statements (project, generation, registries; the region only for
// numbers not in international form); from the store, the blocks and the
// suppressions of the numbers no block stops are read too. An Upload
// looks up and writes each batch in one transaction with its event.
package blocklist
