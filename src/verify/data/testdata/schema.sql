-- The schema of the data sync tests: foreign keys (a composite one), a two-table cycle and a self-reference.
CREATE TABLE customers (
  id int PRIMARY KEY,
  code varchar(12) NOT NULL UNIQUE,
  email varchar(80) NOT NULL,
  name text,
  note text
);
CREATE TABLE products (
  sku text,
  region text,
  title text NOT NULL,
  PRIMARY KEY (sku, region)
);
CREATE TABLE orders (
  id int PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customers,
  customer_code varchar(12) REFERENCES customers (code),
  contact_email varchar(80),
  created_at timestamptz NOT NULL,
  total numeric(10, 2),
  tags text[],
  meta jsonb
);
CREATE TABLE order_items (
  order_id int REFERENCES orders,
  line int,
  sku text NOT NULL,
  region text NOT NULL,
  qty int GENERATED ALWAYS AS IDENTITY,
  doubled int GENERATED ALWAYS AS (line * 2) STORED,
  PRIMARY KEY (order_id, line),
  FOREIGN KEY (sku, region) REFERENCES products
);
-- teams <-> employees: lead_id is DEFERRABLE, team_id is not; manager_id references employees itself
CREATE TABLE teams (id int PRIMARY KEY, name text NOT NULL, lead_id int);
CREATE TABLE employees (
  id int PRIMARY KEY,
  name text NOT NULL,
  team_id int REFERENCES teams,
  manager_id int REFERENCES employees
);
ALTER TABLE teams ADD CONSTRAINT teams_lead_fk FOREIGN KEY (lead_id) REFERENCES employees DEFERRABLE INITIALLY IMMEDIATE;
CREATE SCHEMA hr;
CREATE TABLE hr.badges (id int PRIMARY KEY, employee_id int NOT NULL REFERENCES employees, "Badge Code" text);
CREATE TABLE audit_log (id int PRIMARY KEY, msg text);
CREATE SEQUENCE ticket_seq;
