SET lock_timeout = '2s';
ALTER TABLE events ADD PRIMARY KEY (id);
