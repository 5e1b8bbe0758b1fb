-- leadprivacy schema version 7 (both dialects).
--
-- National do-not-call registries (storage.Registries) and the external
-- erasures still owed after a Forget (storage.Erasures). New tables only:
-- nothing to move.
--
-- registries holds each registry's current version; (org_id, name) is
-- unique, and Create's ON CONFLICT DO NOTHING covers it and the key alike.
CREATE TABLE registries (
    org_id    {{UUID}} NOT NULL,
    id        {{UUID}} NOT NULL,
    name      TEXT NOT NULL,
    version   BIGINT NOT NULL,
    count     BIGINT NOT NULL,
    hash      {{BYTES}} NOT NULL, -- SHA-256 of the current version's snapshot
    size      BIGINT NOT NULL,
    loaded_by {{UUID}} NOT NULL,
    loaded_at {{TIME}} NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
){{WITHOUT_ROWID}};
CREATE UNIQUE INDEX registries_name ON registries (org_id, name);

-- A registry's project scope, one row a project; position keeps the order
-- the host gave (lp.Registry.ProjectIDs comes back exactly). No rows: the
-- whole organisation. The key serves reading a registry's scope in order.
CREATE TABLE registry_projects (
    org_id      {{UUID}} NOT NULL,
    registry_id {{UUID}} NOT NULL,
    position    INTEGER NOT NULL,
    project_id  {{UUID}} NOT NULL,
    PRIMARY KEY (org_id, registry_id, position),
    FOREIGN KEY (org_id, registry_id) REFERENCES registries (org_id, id),
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id)
){{WITHOUT_ROWID}};

-- The compiled snapshot of each stored version, in chunks of at most
-- storage.SnapshotChunkSize bytes numbered from 0; an empty snapshot is
-- one empty chunk, so that every stored version has a row. Chunks are
-- megabytes: a rowid table on SQLite, whose WITHOUT ROWID tables suit
-- small rows only (a row there must fit a twentieth of a page to stay
-- efficient). Registries.Delete removes them explicitly before the
-- registry, one statement, as Leads.Delete does its children.
CREATE TABLE registry_chunks (
    org_id      {{UUID}} NOT NULL,
    registry_id {{UUID}} NOT NULL,
    version     BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    data        {{BYTES}} NOT NULL,
    PRIMARY KEY (org_id, registry_id, version, seq),
    FOREIGN KEY (org_id, registry_id) REFERENCES registries (org_id, id)
);

-- Pending external erasures. recording_refs is a JSON array of strings
-- (personal data, hence in compactTables): refs are UTF-8 text without NUL,
-- which JSON round-trips exactly, and the record is read and written whole.
-- No foreign key to leads: a retention delete may remove the lead while its
-- erasure is still owed. List pages by id and filters on next_attempt_at
-- (NULL: due at once) as it walks the primary key: pending erasures are
-- few, and most of them due when listed. A rowid table on SQLite: a
-- record can hold many references of up to 64 KiB.
CREATE TABLE pending_erasures (
    org_id          {{UUID}} NOT NULL,
    id              {{UUID}} NOT NULL,
    lead_id         {{UUID}} NOT NULL,
    eraser          TEXT NOT NULL,
    recording_refs  TEXT NOT NULL,
    created_at      {{TIME}} NOT NULL,
    attempts        BIGINT NOT NULL,
    last_error      TEXT NOT NULL,
    next_attempt_at {{TIME}},
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
);
