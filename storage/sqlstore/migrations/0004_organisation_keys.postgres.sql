-- leadprivacy schema version 4 (PostgreSQL; 0004_organisation_keys.sqlite.sql
-- is the same change for SQLite).
--
-- Every object belongs to an existing organisation: each table that is not
-- already tied to one through a parent (leads and project_members through
-- projects; lead_phones and contacts through leads, checked by the adapter
-- since version 3) gets a foreign key to organisations.
--
-- Version 3 accepted objects of organisations never created. Rather than
-- drop them (the ChangeLog among them), the migration creates each missing
-- organisation with a name saying so and no default region; the host
-- should give it its name and region with Organisations.Update.
INSERT INTO organisations (org_id, name, default_region, created_at)
SELECT org_id, 'unknown organisation (created by schema migration 4)', '', NULL
FROM (
    SELECT org_id FROM projects UNION SELECT org_id FROM templates UNION SELECT org_id FROM users
    UNION SELECT org_id FROM blocks UNION SELECT org_id FROM suppressions
    UNION SELECT org_id FROM retention_rules UNION SELECT org_id FROM event_counters
    UNION SELECT org_id FROM events UNION SELECT org_id FROM event_hashes
) AS used
WHERE NOT EXISTS (SELECT 1 FROM organisations o WHERE o.org_id = used.org_id);

ALTER TABLE projects ADD CONSTRAINT projects_org FOREIGN KEY (org_id) REFERENCES organisations (org_id);
ALTER TABLE templates ADD CONSTRAINT templates_org FOREIGN KEY (org_id) REFERENCES organisations (org_id);
ALTER TABLE users ADD CONSTRAINT users_org FOREIGN KEY (org_id) REFERENCES organisations (org_id);
ALTER TABLE blocks ADD CONSTRAINT blocks_org FOREIGN KEY (org_id) REFERENCES organisations (org_id);
ALTER TABLE suppressions ADD CONSTRAINT suppressions_org FOREIGN KEY (org_id) REFERENCES organisations (org_id);
ALTER TABLE retention_rules ADD CONSTRAINT retention_rules_org FOREIGN KEY (org_id) REFERENCES organisations (org_id);
ALTER TABLE event_counters ADD CONSTRAINT event_counters_org FOREIGN KEY (org_id) REFERENCES organisations (org_id);
ALTER TABLE events ADD CONSTRAINT events_org FOREIGN KEY (org_id) REFERENCES organisations (org_id);
ALTER TABLE event_hashes ADD CONSTRAINT event_hashes_org FOREIGN KEY (org_id) REFERENCES organisations (org_id);
