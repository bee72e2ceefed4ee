SET lock_timeout = '2s';
BEGIN;
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
ALTER TABLE customers ADD COLUMN vip boolean;
COMMIT;
