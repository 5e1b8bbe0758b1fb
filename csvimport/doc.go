// Package csvimport reads the phone lists and lead files users export from
// spreadsheets, streaming, with an error per bad row that says where and
// why without showing the personal data.
//
// Two readers share one engine:
//
//   - NumberReader reads a list of numbers (a do-not-call upload, a bulk
//     forget): one number a line or a column of a wider sheet, header
//     optional. It yields a NumberRow per number, normalised to E.164 with
//     the organisation's region, and reports numbers already seen in the
//     file once each (NumberRow.Duplicate). Registry files read the same
//     way: a fixed-width UK TPS line ("0207 3787244") is one number, and
//     NumberOptions.Join reads the US "area code,number" layout as one.
//     NumberOptions.NoDuplicateTable drops the duplicate table for lists
//     of 10⁷–10⁸ numbers whose consumer drops repeats itself.
//   - LeadReader maps a lead file's header to a campaign template's fields
//     (by key or label, ignoring case, spaces and punctuation; overrides in
//     LeadOptions) and to phone columns (by name: phone, mobile, tel,
//     telefon, …), reports columns it cannot map (Unknown) instead of
//     dropping them silently, and yields a LeadDraft per row.
//
// Both are created with the input and read it once through All, an
// iter.Seq2 of rows and errors. Cancel by breaking the loop (and by
// cancelling whatever feeds the io.Reader); the readers take no context
// because they do no I/O of their own.
//
// # Input accepted
//
// Encoding is decided on the first 64 KiB: a BOM selects UTF-8 or UTF-16
// LE/BE (Excel's "Unicode text"); without one, valid UTF-8 is read as
// UTF-8 and anything else as Windows-1252 (a superset of ISO-8859-1 in its
// printable range). The BOM never reaches a value. Bytes that are not
// UTF-8 after a valid prefix become U+FFFD in lead fields and make a
// number invalid. NUL bytes, or a prefix of mostly control characters (an
// .xlsx workbook, an image), are ErrBinary.
//
// The delimiter is given (Options.Comma) or detected among ',', ';', tab
// and '|' on the first 64 KiB: the one whose count per line, outside
// quotes, is the same on the most lines wins. Lines end in LF, CRLF or CR;
// quoted fields may hold delimiters, doubled quotes and line breaks (which
// become "\n"). Quoting is lenient as in Excel: a stray quote in an
// unquoted field is kept as text. Blank lines are skipped.
//
// Numbers may carry spaces and punctuation, fullwidth digits
// (golang.org/x/text/width) and a leading Excel text apostrophe; the
// phone package does the rest.
//
// # Errors
//
// Every problem is a *LineError with the line the record starts on, the
// column where it applies, the raw value masked by phone.MaskInput, and
// the reason, which errors.Is matches: leadprivacy.ErrInvalidPhone for a
// bad number, or one of this package's Err… values. A bad row never stops
// the reading unless Options.StopOnError asks for it. Fatal errors
// (LineError.Fatal: a limit, binary data, an unterminated quote, a read
// error) end the sequence.
//
// # Memory
//
// Memory is bounded whatever the input: the readers hold a 64 KiB read
// buffer, a 64 KiB decoding buffer and one record of at most
// Options.MaxLineBytes (64 KiB by default); NumberReader also holds up to
// 256 parsed numbers (plus one record's) that it has not delivered yet. A
// 1 GiB line or an unterminated quote ends with ErrLineTooLong after
// reading about that much. NumberReader's duplicate detection keeps 16 to
// 32 bytes per distinct number, bounded by Options.MaxRows (none with
// NumberOptions.NoDuplicateTable).
//
// # Rejection reports
//
// WriteRejections writes the rejected rows (line, column, masked value or
// the caller's E.164 number, reason) as CSV that Excel opens: UTF-8 with
// BOM, CRLF, formula injection neutralised by a leading apostrophe, which
// NumberReader strips again so E.164 values round-trip.
//
// # Performance
//
// The readers stream: memory stays bounded (see above) whatever the input
// size. The numbers of 256 rows share one string, so a kept Number keeps a
// few KiB alive. Measured figures, their commands and their history are in
// BENCHMARKS.md at the module root.
package csvimport
