-- leadprivacy schema version 2.
--
-- Most block entries never expire (expires_at NULL), and the expiry index
-- only serves "expired by" scans (expires_at <= t, which implies NOT
-- NULL): index only the entries that can expire, so a bulk upload of
-- permanent blocks maintains two B-trees per row instead of three.
DROP INDEX blocks_expiry;
CREATE INDEX blocks_expiry ON blocks (org_id, expires_at) WHERE expires_at IS NOT NULL;
