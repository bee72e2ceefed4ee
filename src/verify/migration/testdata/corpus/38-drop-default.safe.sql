SET lock_timeout = '2s';
-- DROP DEFAULT and DROP NOT NULL remove no data: nothing irreversible
ALTER TABLE orders ALTER COLUMN note DROP DEFAULT;
