-- leadprivacy schema version 11 (PostgreSQL; 0011_contacts_by_lead.sqlite.sql
-- is the change, on SQLite only).
--
-- SQLite keeps contact attempts in lead order from this version on. A
-- PostgreSQL heap keeps no order, and contacts_lead already finds a lead's
-- attempts, so nothing changes here.
SELECT 1;
