-- leadprivacy schema version 6 (both dialects).
--
-- An event may concern a set of numbers beside its one number, such as a
-- batch of an upload (lp.Event.Fingerprints): their keyed fingerprints are
-- kept one row each, so "which events concern this number?" is an index
-- look-up here as it is on events.fingerprint. The primary key serves
-- that look-up; event_fingerprints_seq reads an event's set back. Existing
-- events have no set: nothing to move. No foreign key to events: the
-- adapter writes a set with its event, a row of no event is never read
-- (look-ups join events), and on PostgreSQL the check would run once per
-- fingerprint, 1000 times for an upload batch.
CREATE TABLE event_fingerprints (
    org_id      {{UUID}} NOT NULL,
    fingerprint {{BYTES}} NOT NULL,
    seq         BIGINT NOT NULL,
    PRIMARY KEY (org_id, fingerprint, seq)
){{WITHOUT_ROWID}};
CREATE INDEX event_fingerprints_seq ON event_fingerprints (org_id, seq);
