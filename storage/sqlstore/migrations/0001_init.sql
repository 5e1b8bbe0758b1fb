-- leadprivacy schema version 1.
--
-- Written once for both dialects: {{UUID}}, {{TIME}}, {{BYTES}} and
-- {{WITHOUT_ROWID}} are replaced per dialect (see migrate.go). Every table
-- carries org_id and every primary key and index starts with it, so the
-- schema can be distributed by org_id (Citus-style) unchanged.

CREATE TABLE organisations (
    org_id         {{UUID}} NOT NULL,
    name           TEXT NOT NULL,
    default_region TEXT NOT NULL,
    created_at     {{TIME}},
    PRIMARY KEY (org_id)
){{WITHOUT_ROWID}};

CREATE TABLE projects (
    org_id     {{UUID}} NOT NULL,
    id         {{UUID}} NOT NULL,
    name       TEXT NOT NULL,
    created_at {{TIME}},
    PRIMARY KEY (org_id, id)
){{WITHOUT_ROWID}};

CREATE TABLE templates (
    org_id {{UUID}} NOT NULL,
    id     {{UUID}} NOT NULL,
    name   TEXT NOT NULL,
    fields TEXT NOT NULL, -- JSON array of {key,label,personal}, in order
    PRIMARY KEY (org_id, id)
){{WITHOUT_ROWID}};

CREATE TABLE users (
    org_id {{UUID}} NOT NULL,
    id     {{UUID}} NOT NULL,
    name   TEXT NOT NULL,
    role   TEXT NOT NULL,
    PRIMARY KEY (org_id, id)
){{WITHOUT_ROWID}};
CREATE INDEX users_role ON users (org_id, role, id);

CREATE TABLE project_members (
    org_id     {{UUID}} NOT NULL,
    project_id {{UUID}} NOT NULL,
    user_id    {{UUID}} NOT NULL,
    PRIMARY KEY (org_id, project_id, user_id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
){{WITHOUT_ROWID}};
CREATE INDEX project_members_user ON project_members (org_id, user_id);

CREATE TABLE leads (
    org_id          {{UUID}} NOT NULL,
    id              {{UUID}} NOT NULL,
    project_id      {{UUID}} NOT NULL,
    template_id     {{UUID}} NOT NULL,
    phones          TEXT NOT NULL, -- E.164 numbers in order, comma separated (personal data)
    fields          TEXT NOT NULL, -- JSON object of field values (personal data)
    outcome         TEXT NOT NULL,
    created_at      {{TIME}},
    last_contact_at {{TIME}},
    closed_at       {{TIME}},
    forgotten_at    {{TIME}},
    legal_hold      BOOLEAN NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id),
    FOREIGN KEY (org_id, template_id) REFERENCES templates (org_id, id)
){{WITHOUT_ROWID}};
-- Retention scans: project, outcome and the rule's basis time.
CREATE INDEX leads_retention_created ON leads (org_id, project_id, outcome, created_at);
CREATE INDEX leads_retention_closed ON leads (org_id, project_id, outcome, closed_at);
CREATE INDEX leads_retention_contact ON leads (org_id, project_id, outcome, (COALESCE(last_contact_at, created_at)));

-- The phone number index of leads: find leads by number.
CREATE TABLE lead_phones (
    org_id  {{UUID}} NOT NULL,
    lead_id {{UUID}} NOT NULL,
    number  TEXT NOT NULL,
    PRIMARY KEY (org_id, lead_id, number),
    FOREIGN KEY (org_id, lead_id) REFERENCES leads (org_id, id) ON DELETE CASCADE
){{WITHOUT_ROWID}};
CREATE INDEX lead_phones_number ON lead_phones (org_id, number, lead_id);

CREATE TABLE contacts (
    org_id        {{UUID}} NOT NULL,
    id            {{UUID}} NOT NULL,
    lead_id       {{UUID}} NOT NULL,
    called_at     {{TIME}} NOT NULL,
    agent_id      {{UUID}} NOT NULL,
    result        TEXT NOT NULL,
    talk_ns       BIGINT NOT NULL,
    notes         TEXT NOT NULL,      -- personal data
    recording_ref TEXT NOT NULL,      -- personal data
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, lead_id) REFERENCES leads (org_id, id) ON DELETE CASCADE
);
CREATE INDEX contacts_lead ON contacts (org_id, lead_id, called_at, id);

CREATE TABLE blocks (
    org_id     {{UUID}} NOT NULL,
    id         {{UUID}} NOT NULL,
    number     TEXT NOT NULL,
    project_id {{UUID}} NOT NULL, -- all zero bytes: organisation-wide
    blocked_by {{UUID}} NOT NULL,
    blocked_at {{TIME}} NOT NULL,
    expires_at {{TIME}},          -- NULL: never expires
    reason     TEXT NOT NULL,
    source     TEXT NOT NULL,
    PRIMARY KEY (org_id, id)
){{WITHOUT_ROWID}};
-- One block per number and scope; also the index of active blocks by number.
CREATE UNIQUE INDEX blocks_number ON blocks (org_id, number, project_id);
CREATE INDEX blocks_expiry ON blocks (org_id, expires_at);

CREATE TABLE suppressions (
    org_id      {{UUID}} NOT NULL,
    fingerprint {{BYTES}} NOT NULL,
    created_by  {{UUID}} NOT NULL,
    created_at  {{TIME}} NOT NULL,
    PRIMARY KEY (org_id, fingerprint)
){{WITHOUT_ROWID}};

CREATE TABLE retention_rules (
    org_id     {{UUID}} NOT NULL,
    id         {{UUID}} NOT NULL,
    project_id {{UUID}} NOT NULL,
    outcome    TEXT NOT NULL,
    keep_for   BIGINT NOT NULL, -- nanoseconds
    action     TEXT NOT NULL,
    basis      TEXT NOT NULL,
    created_by {{UUID}} NOT NULL,
    created_at {{TIME}},
    PRIMARY KEY (org_id, id)
){{WITHOUT_ROWID}};
CREATE UNIQUE INDEX retention_rules_scope ON retention_rules (org_id, project_id, outcome);

-- Per-organisation ChangeLog counter: Append increments it in the
-- transaction, which assigns gapless sequence numbers and serialises
-- appends of one organisation.
CREATE TABLE event_counters (
    org_id   {{UUID}} NOT NULL,
    next_seq BIGINT NOT NULL,
    PRIMARY KEY (org_id)
){{WITHOUT_ROWID}};

CREATE TABLE events (
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
    PRIMARY KEY (org_id, seq)
){{WITHOUT_ROWID}};
CREATE INDEX events_actor ON events (org_id, actor_id, seq);
CREATE INDEX events_action ON events (org_id, action, seq);
CREATE INDEX events_lead ON events (org_id, lead_id, seq) WHERE lead_id IS NOT NULL;
CREATE INDEX events_project ON events (org_id, project_id, seq) WHERE project_id IS NOT NULL;
CREATE INDEX events_object ON events (org_id, object_id, seq) WHERE object_id IS NOT NULL;
CREATE INDEX events_fingerprint ON events (org_id, fingerprint, seq) WHERE fingerprint IS NOT NULL;
CREATE INDEX events_time ON events (org_id, occurred_at);

CREATE TABLE event_hashes (
    org_id {{UUID}} NOT NULL,
    idx    BIGINT NOT NULL,
    hash   {{BYTES}} NOT NULL,
    PRIMARY KEY (org_id, idx)
){{WITHOUT_ROWID}};
