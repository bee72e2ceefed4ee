SET lock_timeout = '2s';
-- expand: the new column beside the old one; the application writes both, then reads the new one
ALTER TABLE customers ADD COLUMN full_name text;
