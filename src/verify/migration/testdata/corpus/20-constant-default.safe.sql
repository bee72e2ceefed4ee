SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN archived boolean NOT NULL DEFAULT false;
ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT now();
