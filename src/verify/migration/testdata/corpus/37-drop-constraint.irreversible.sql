SET lock_timeout = '2s';
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
