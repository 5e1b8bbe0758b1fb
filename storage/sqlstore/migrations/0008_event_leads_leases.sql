-- leadprivacy schema version 8 (both dialects).
--
-- Retention records one ChangeLog event per purge batch, not one per
-- lead (lp.Event.LeadIDs): the batch's lead ids are kept one row each, as
-- event_fingerprints keeps a batch's numbers, so "which events concern
-- this lead?" is an index look-up here as it is on events.lead_id. The
-- primary key serves that look-up; event_leads_seq reads an event's set
-- back. Existing events have no set: nothing to move. No foreign key to
-- events, for the reasons migration 6 gives.
CREATE TABLE event_leads (
    org_id  {{UUID}} NOT NULL,
    lead_id {{UUID}} NOT NULL,
    seq     BIGINT NOT NULL,
    PRIMARY KEY (org_id, lead_id, seq)
){{WITHOUT_ROWID}};
CREATE INDEX event_leads_seq ON event_leads (org_id, seq);

-- Named expiring locks shared by every process of the database
-- (storage.Leases): retention's runner holds one per organisation.
CREATE TABLE leases (
    org_id     {{UUID}} NOT NULL,
    name       TEXT NOT NULL,
    holder     {{UUID}} NOT NULL,
    held_until {{TIME}} NOT NULL,
    PRIMARY KEY (org_id, name),
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
){{WITHOUT_ROWID}};
