SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN ref uuid;
ALTER TABLE orders ALTER COLUMN ref SET DEFAULT gen_random_uuid();
