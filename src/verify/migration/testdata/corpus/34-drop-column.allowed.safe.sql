SET lock_timeout = '2s';
-- shipgate:allow drop-column-or-table: legacy_code is ignored by the ORM since v40
ALTER TABLE customers DROP COLUMN legacy_code;
