-- SET LOCAL outside a transaction block is ignored by PostgreSQL
SET LOCAL lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
