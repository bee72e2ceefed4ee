SET lock_timeout = '2s';
ANALYZE orders;
