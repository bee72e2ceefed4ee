-- The schema every corpus migration starts from (applied with --schema; never checked itself).
CREATE TABLE customers (
  id bigint PRIMARY KEY,
  email varchar(100) NOT NULL,
  name text,
  legacy_code text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  customer_id bigint NOT NULL,
  amount numeric(10,2) NOT NULL,
  status varchar(20) NOT NULL,
  note text DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT orders_status_check CHECK (status <> '')
);
CREATE INDEX orders_status_idx ON orders (status);
CREATE TABLE events (
  id bigint NOT NULL,
  kind text NOT NULL,
  payload text
);
CREATE TABLE audit_log (
  id bigint NOT NULL,
  message text
);
