SET lock_timeout = '2s';
ALTER TABLE customers DROP COLUMN legacy_code;
