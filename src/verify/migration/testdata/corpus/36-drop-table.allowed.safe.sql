SET lock_timeout = '2s';
-- shipgate:allow drop-column-or-table: audit_log was archived and is unused since v12
DROP TABLE audit_log;
