SET lock_timeout = '2s';
ALTER TABLE audit_log RENAME TO audit_entries;
