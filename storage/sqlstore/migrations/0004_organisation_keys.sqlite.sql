-- leadprivacy schema version 4 (SQLite; 0004_organisation_keys.postgres.sql
-- is the same change for PostgreSQL).
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

-- SQLite cannot add a constraint to a table: each is rebuilt. Dropping a
-- table that other tables' foreign keys name (projects, templates, users)
-- deletes its rows first, which would violate those keys: checking them is
-- deferred to the commit, by which time the rows are back. Their copy is
-- kept aside under another name, as renaming the table itself would make
-- the foreign keys follow it.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE projects_v3 AS SELECT * FROM projects;
DROP TABLE projects;
CREATE TABLE projects (
    org_id     {{UUID}} NOT NULL,
    id         {{UUID}} NOT NULL,
    name       TEXT NOT NULL,
    created_at {{TIME}},
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
){{WITHOUT_ROWID}};
INSERT INTO projects (org_id, id, name, created_at) SELECT org_id, id, name, created_at FROM projects_v3;
DROP TABLE projects_v3;

CREATE TABLE templates_v3 AS SELECT * FROM templates;
DROP TABLE templates;
CREATE TABLE templates (
    org_id {{UUID}} NOT NULL,
    id     {{UUID}} NOT NULL,
    name   TEXT NOT NULL,
    fields TEXT NOT NULL, -- JSON array of {key,label,personal}, in order
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
){{WITHOUT_ROWID}};
INSERT INTO templates (org_id, id, name, fields) SELECT org_id, id, name, fields FROM templates_v3;
DROP TABLE templates_v3;

CREATE TABLE users_v3 AS SELECT * FROM users;
DROP TABLE users;
CREATE TABLE users (
    org_id {{UUID}} NOT NULL,
    id     {{UUID}} NOT NULL,
    name   TEXT NOT NULL,
    role   TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
){{WITHOUT_ROWID}};
INSERT INTO users (org_id, id, name, role) SELECT org_id, id, name, role FROM users_v3;
DROP TABLE users_v3;
CREATE INDEX users_role ON users (org_id, role, id);

-- The other tables are no foreign key's parent: rebuilt as in version 3.
CREATE TABLE blocks_v4 (
    org_id     {{UUID}} NOT NULL,
    id         {{UUID}} NOT NULL,
    number     TEXT NOT NULL,
    project_id {{UUID}} NOT NULL, -- all zero bytes: organisation-wide
    blocked_by {{UUID}} NOT NULL,
    blocked_at {{TIME}} NOT NULL,
    expires_at {{TIME}},          -- NULL: never expires
    reason     TEXT NOT NULL,
    source     TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
){{WITHOUT_ROWID}};
INSERT INTO blocks_v4 SELECT org_id, id, number, project_id, blocked_by, blocked_at, expires_at, reason, source FROM blocks;
DROP TABLE blocks;
ALTER TABLE blocks_v4 RENAME TO blocks;
CREATE UNIQUE INDEX blocks_number ON blocks (org_id, number, project_id);
CREATE INDEX blocks_expiry ON blocks (org_id, expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE suppressions_v4 (
    org_id      {{UUID}} NOT NULL,
    fingerprint {{BYTES}} NOT NULL,
    created_by  {{UUID}} NOT NULL,
    created_at  {{TIME}} NOT NULL,
    PRIMARY KEY (org_id, fingerprint),
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
){{WITHOUT_ROWID}};
INSERT INTO suppressions_v4 SELECT org_id, fingerprint, created_by, created_at FROM suppressions;
DROP TABLE suppressions;
ALTER TABLE suppressions_v4 RENAME TO suppressions;

CREATE TABLE retention_rules_v4 (
    org_id     {{UUID}} NOT NULL,
    id         {{UUID}} NOT NULL,
    project_id {{UUID}} NOT NULL,
    outcome    TEXT NOT NULL,
    keep_for   BIGINT NOT NULL, -- nanoseconds
    action     TEXT NOT NULL,
    basis      TEXT NOT NULL,
    created_by {{UUID}} NOT NULL,
    created_at {{TIME}},
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
){{WITHOUT_ROWID}};
INSERT INTO retention_rules_v4 SELECT org_id, id, project_id, outcome, keep_for, action, basis, created_by, created_at FROM retention_rules;
DROP TABLE retention_rules;
ALTER TABLE retention_rules_v4 RENAME TO retention_rules;
CREATE UNIQUE INDEX retention_rules_scope ON retention_rules (org_id, project_id, outcome);

CREATE TABLE event_counters_v4 (
    org_id   {{UUID}} NOT NULL,
    next_seq BIGINT NOT NULL,
    PRIMARY KEY (org_id),
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
){{WITHOUT_ROWID}};
INSERT INTO event_counters_v4 SELECT org_id, next_seq FROM event_counters;
DROP TABLE event_counters;
ALTER TABLE event_counters_v4 RENAME TO event_counters;

CREATE TABLE events_v4 (
    org_id        {{UUID}} NOT NULL,
    seq           BIGINT NOT NULL,
    occurred_at   {{TIME}} NOT NULL,
    actor_id      {{UUID}} NOT NULL,
    action        TEXT NOT NULL,
    lead_id       {{UUID}},  -- NULL when not set, here and below
    project_id    {{UUID}},
    object_id     {{UUID}},
    masked_number TEXT NOT NULL,
    fingerprint   {{BYTES}},
    details       TEXT NOT NULL, -- JSON object of non-personal facts
    PRIMARY KEY (org_id, seq),
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
){{WITHOUT_ROWID}};
INSERT INTO events_v4 SELECT org_id, seq, occurred_at, actor_id, action, lead_id, project_id, object_id, masked_number, fingerprint, details FROM events;
DROP TABLE events;
ALTER TABLE events_v4 RENAME TO events;
CREATE INDEX events_actor ON events (org_id, actor_id, seq);
CREATE INDEX events_action ON events (org_id, action, seq);
CREATE INDEX events_lead ON events (org_id, lead_id, seq) WHERE lead_id IS NOT NULL;
CREATE INDEX events_project ON events (org_id, project_id, seq) WHERE project_id IS NOT NULL;
CREATE INDEX events_object ON events (org_id, object_id, seq) WHERE object_id IS NOT NULL;
CREATE INDEX events_fingerprint ON events (org_id, fingerprint, seq) WHERE fingerprint IS NOT NULL;
CREATE INDEX events_time ON events (org_id, occurred_at);

CREATE TABLE event_hashes_v4 (
    org_id {{UUID}} NOT NULL,
    idx    BIGINT NOT NULL,
    hash   {{BYTES}} NOT NULL,
    PRIMARY KEY (org_id, idx),
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
){{WITHOUT_ROWID}};
INSERT INTO event_hashes_v4 SELECT org_id, idx, hash FROM event_hashes;
DROP TABLE event_hashes;
ALTER TABLE event_hashes_v4 RENAME TO event_hashes;
