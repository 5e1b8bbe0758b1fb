-- leadprivacy schema version 5.
--
-- Prefix blocks: an entry with is_prefix set blocks every number that
-- starts with its number column, an E.164 prefix such as +4570. A number
-- and a prefix of the same digits are different entries, so is_prefix
-- joins the unique key. The index keeps its name and its leading
-- (org_id, number) columns, on which FindByNumbers looks the numbers up
-- (INDEXED BY blocks_number on SQLite); it looks their shorter prefixes
-- up in the same statement on blocks_prefix, which holds only the few
-- prefix entries, so that the many prefixes of a batch cost little.
-- Adding a column with a constant default needs no table rebuild on
-- either dialect; existing entries are exact blocks.
ALTER TABLE blocks ADD COLUMN is_prefix BOOLEAN NOT NULL DEFAULT FALSE;
DROP INDEX blocks_number;
CREATE UNIQUE INDEX blocks_number ON blocks (org_id, number, project_id, is_prefix);
CREATE INDEX blocks_prefix ON blocks (org_id, number) WHERE is_prefix;
