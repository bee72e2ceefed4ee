SET lock_timeout = '2s';
ALTER TABLE customers ADD CONSTRAINT customers_name_not_null CHECK (name IS NOT NULL) NOT VALID;
ALTER TABLE customers VALIDATE CONSTRAINT customers_name_not_null;
-- PostgreSQL 12+ sees the validated check and skips the scan
ALTER TABLE customers ALTER COLUMN name SET NOT NULL;
