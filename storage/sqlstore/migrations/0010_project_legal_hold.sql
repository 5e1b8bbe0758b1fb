-- leadprivacy schema version 10 (both dialects).
--
-- A whole project can be put under legal hold (lp.Project.LegalHoldSince):
-- its leads are then held as if each one's legal_hold were set. The row
-- keeps only since when; who set the hold and why is in the ChangeLog
-- (project.hold_set). NULL is not held, so existing projects stay as they
-- were. Lead selections (storage.LeadFilter.LegalHold) read the held
-- projects once per statement by the primary key (org_id, id): an
-- organisation's projects are few, so no index of their own.
ALTER TABLE projects ADD COLUMN legal_hold_since {{TIME}};
