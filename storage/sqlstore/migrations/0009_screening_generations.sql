-- leadprivacy schema version 9 (both dialects).
--
-- The screening generation of each organisation
-- (storage.Blocks.ScreeningGeneration): a counter that every write to
-- blocks or suppressions increases in its own transaction, so a service
-- can tell with one primary-key look-up whether an in-memory copy of the
-- list taken at a generation is still the list. No row: generation 0.
-- Existing lists start at 0 too. Every process writing the database must
-- run a version that bumps it: an older one's writes would go unseen.
CREATE TABLE screening_generations (
    org_id     {{UUID}} NOT NULL PRIMARY KEY,
    generation BIGINT NOT NULL,
    FOREIGN KEY (org_id) REFERENCES organisations (org_id)
){{WITHOUT_ROWID}};
