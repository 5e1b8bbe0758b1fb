-- leadprivacy schema version 3.
--
-- Retention scans page a project's leads in id order (keyset), filtering
-- by outcome and basis time; the three (project, outcome, time) indexes
-- were never chosen for them and cost three B-tree changes per lead
-- written or deleted. One (project, id) index serves every rule's scan in
-- page order.
DROP INDEX leads_retention_created;
DROP INDEX leads_retention_closed;
DROP INDEX leads_retention_contact;
CREATE INDEX leads_project ON leads (org_id, project_id, id);

-- lead_phones and contacts lose their ON DELETE CASCADE foreign keys to
-- leads: Leads.Delete and DeleteMany remove the children explicitly, one
-- set-based statement per table, where the cascade ran per deleted lead
-- (as a trigger query per row and child table on PostgreSQL). Contacts.Add
-- still inserts only for an existing lead, locking it on PostgreSQL.
CREATE TABLE lead_phones_v3 (
    org_id  {{UUID}} NOT NULL,
    lead_id {{UUID}} NOT NULL,
    number  TEXT NOT NULL,
    PRIMARY KEY (org_id, lead_id, number)
){{WITHOUT_ROWID}};
INSERT INTO lead_phones_v3 (org_id, lead_id, number) SELECT org_id, lead_id, number FROM lead_phones;
DROP TABLE lead_phones;
ALTER TABLE lead_phones_v3 RENAME TO lead_phones;
CREATE INDEX lead_phones_number ON lead_phones (org_id, number, lead_id);

CREATE TABLE contacts_v3 (
    org_id        {{UUID}} NOT NULL,
    id            {{UUID}} NOT NULL,
    lead_id       {{UUID}} NOT NULL,
    called_at     {{TIME}} NOT NULL,
    agent_id      {{UUID}} NOT NULL,
    result        TEXT NOT NULL,
    talk_ns       BIGINT NOT NULL,
    notes         TEXT NOT NULL,      -- personal data
    recording_ref TEXT NOT NULL,      -- personal data
    PRIMARY KEY (org_id, id)
);
INSERT INTO contacts_v3 SELECT org_id, id, lead_id, called_at, agent_id, result, talk_ns, notes, recording_ref FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_v3 RENAME TO contacts;
CREATE INDEX contacts_lead ON contacts (org_id, lead_id, called_at, id);
