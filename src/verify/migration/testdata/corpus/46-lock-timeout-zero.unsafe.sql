-- 0 disables the timeout
SET lock_timeout = 0;
CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at);
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';
