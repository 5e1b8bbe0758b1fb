package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestQuickstart runs the whole walk-through on a fresh SQLite file and
// checks the outcomes a newcomer reads in its output.
func TestQuickstart(t *testing.T) {
	var out strings.Builder
	if err := run(t.Context(), &out, filepath.Join(t.TempDir(), "lp.db")); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		// 1: Block and Upload with its report, and the table.
		"blocked +45••••3456 org-wide, expires never",
		"blocked +45••••4567 for Energy 2026, expires 20",
		"dnc.csv: 5 rows, 2 blocked, 1 already blocked, 1 twice in the file, 1 invalid",
		"line 1: +45••••3456, already blocked",
		"line 3: invalid, leadprivacy: line 3, column 1",
		"line 5: +45••••4040, on an earlier line",
		"+45••••4567    for Energy 2026  by Alice on ",
		"+45••••5050    org-wide         by Alice on ",
		// 2: Import, rejections naming the block or the invalid line.
		"line 2: imported with 1 number(s)",
		"line 3: not imported, +45••••3456 is blocked org-wide",
		"line 4: not imported, +45••••4567 is blocked for Energy 2026",
		"line 5: not imported, invalid: leadprivacy: line 5, column 4",
		"energy-leads.csv: imported 1 of 4 leads into Energy 2026",
		"insurance-leads.csv: imported 2 of 2 leads into Insurance Q4",
		// Check at dial time.
		"Energy 2026, dial +45••••4567? blocked for Energy 2026",
		"Insurance Q4, dial +45••••4567? allowed",
		"Insurance Q4, dial +45••••3456? blocked org-wide",
		// 3: Anna is forgotten: the three tabs, her contact history, the
		// preview, the recording store told after the commit, the receipt.
		"leads log: a lead in Energy 2026 (template Energy), outcome callback",
		"leads log: a lead in Insurance Q4 (template Insurance), outcome callback",
		"data available: First name, Last name, Email, Address",
		"data available: Name, Date of birth, Policy number",
		"persons with access: Alice (admin)",
		"persons with access: Bob (member of Energy 2026)",
		"persons with access: Carol (member of Insurance Q4)",
		"by Bob: callback, talk 1m35s",
		"preview: the Energy 2026 lead: 5 fields, 1 phone(s), 1 of 2 calls with notes or recordings, 1 recording(s) for [recordings]",
		"recording store: deleted 1 recording(s) of the Insurance Q4 lead\n   receipt",
		"forgot the Energy 2026 lead: fields email, first_name, last_name, meter_size, tariff; 1 phone(s); 1 call(s) scrubbed; 1 recording(s) queued",
		"forgot the Insurance Q4 lead: fields date_of_birth, name, policy_number, product; 1 phone(s); 1 call(s) scrubbed",
		"1 number(s) suppressed, 0 erasure(s) still pending",
		`0 phones, outcome callback kept, 2 calls kept, notes ""`,
		// 4: the number comes back, and is rejected by fingerprint.
		"line 2: not imported, +45••••3499 was forgotten and is suppressed",
		"old-energy-leads.csv: imported 1 of 2 leads, 1 rejected as forgotten and suppressed",
		// 7: the registry: its load report and a check naming it.
		"registry nix version 1: 3 numbers, 1 invalid line(s), content hash ",
		"line 3: invalid phone number: contains letters (•••••)",
		"Energy 2026, dial +45••••3499? registered on registry nix version 1",
		"Energy 2026, dial +45••••4041? allowed",
		// 8 and 9: the denial and the ChangeLog.
		"Bob's Block: leadprivacy: blocklist: Block: forbidden",
		"who blocked +45••••3456? Alice",
		"who forgot +45••••3499? Alice, on ",
		"refused: Bob tried block.created without the block permission",
		"signed checkpoint over 16 events; Verify: the ChangeLog is intact",
		// 10: retention: the dry run, the purge skipping the held lead, who forgot by lead.
		"plan: Energy 2026, other outcomes    keep   90 days: 1 due, 0 on legal hold",
		"plan: Insurance Q4, other outcomes   keep   90 days: 0 due, 1 on legal hold",
		"purge: Energy 2026, other outcomes    1 forgotten, 0 deleted, 0 skipped on legal hold",
		"purge: Insurance Q4, other outcomes   0 forgotten, 0 deleted, 1 skipped on legal hold",
		`who forgot the lead of +45••••6060? Alice, under the rule "Energy 2026, other outcomes", in a batch of 1 lead(s)`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, secret := range []string{"20123456", "31234567", "20123499", "70707070", "50505051", "anna@example.com", "Jensen", "Lund", "P-20417", "1980-04-01", "P-30155", "1975-02-11", "rec://", "called after 18"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("output shows personal data %q", secret)
		}
	}
}
