SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN ref uuid DEFAULT gen_random_uuid();
