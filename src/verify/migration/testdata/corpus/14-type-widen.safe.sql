SET lock_timeout = '2s';
ALTER TABLE customers ALTER COLUMN email TYPE varchar(200);
