SET lock_timeout = '2s';
-- CONCURRENTLY on its own, outside any transaction block
CREATE UNIQUE INDEX CONCURRENTLY customers_email_idx ON customers (email);
