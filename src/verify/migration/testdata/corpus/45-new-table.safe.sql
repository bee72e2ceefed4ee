SET lock_timeout = '2s';
-- a table created in the same migration is used by nobody yet: its index and constraints are free
BEGIN;
CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint NOT NULL, carrier text);
CREATE INDEX shipments_order_idx ON shipments (order_id);
ALTER TABLE shipments ADD CONSTRAINT shipments_carrier_check CHECK (carrier <> '');
ALTER TABLE shipments ALTER COLUMN carrier SET NOT NULL;
COMMIT;
