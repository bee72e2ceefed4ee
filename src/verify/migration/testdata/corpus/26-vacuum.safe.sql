SET lock_timeout = '2s';
VACUUM (ANALYZE) orders;
