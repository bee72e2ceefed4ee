SET lock_timeout = '2s';
DROP INDEX CONCURRENTLY orders_status_idx;
