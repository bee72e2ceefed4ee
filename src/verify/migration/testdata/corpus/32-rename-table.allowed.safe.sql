SET lock_timeout = '2s';
-- shipgate:allow rename-column-or-table: no release has read audit_log since v12
ALTER TABLE audit_log RENAME TO audit_entries;
