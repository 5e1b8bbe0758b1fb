-- leadprivacy schema version 11 (SQLite; 0011_contacts_by_lead.postgres.sql
-- changes nothing on PostgreSQL).
--
-- Contact attempts are kept in lead order: the table becomes WITHOUT ROWID
-- with the key of the old contacts_lead index (org_id, lead_id, called_at,
-- id), and (org_id, id) stays unique through an index of its own. A
-- rowid table kept them in the order they were added, so the attempts of
-- a lead were spread over the whole table: every write by lead (a retention
-- purge batch erasing or deleting the attempts of its leads, Forget) then
-- changed one table page per attempt, and each batch's commit wrote all of
-- those pages to the WAL again. In lead order a batch of leads in id order
-- changes a run of adjacent pages (BENCHMARKS.md, "retention").
-- Adding an attempt still changes two B-trees, as before: the table at its
-- lead and the id index.
CREATE TABLE contacts_v11 (
    org_id        {{UUID}} NOT NULL,
    id            {{UUID}} NOT NULL,
    lead_id       {{UUID}} NOT NULL,
    called_at     {{TIME}} NOT NULL,
    agent_id      {{UUID}} NOT NULL,
    result        TEXT NOT NULL,
    talk_ns       BIGINT NOT NULL,
    notes         TEXT NOT NULL,      -- personal data
    recording_ref TEXT NOT NULL,      -- personal data
    PRIMARY KEY (org_id, lead_id, called_at, id)
) WITHOUT ROWID;
INSERT INTO contacts_v11 (org_id, id, lead_id, called_at, agent_id, result, talk_ns, notes, recording_ref)
SELECT org_id, id, lead_id, called_at, agent_id, result, talk_ns, notes, recording_ref FROM contacts
ORDER BY org_id, lead_id, called_at, id;
DROP TABLE contacts;
ALTER TABLE contacts_v11 RENAME TO contacts;
CREATE UNIQUE INDEX contacts_id ON contacts (org_id, id);
