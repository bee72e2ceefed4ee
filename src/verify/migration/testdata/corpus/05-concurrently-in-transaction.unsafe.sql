SET lock_timeout = '2s';
BEGIN;
CREATE UNIQUE INDEX CONCURRENTLY customers_email_idx ON customers (email);
COMMIT;
