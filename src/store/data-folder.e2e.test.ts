/**
 * The data folder holds the admin token and (SQLite) the whole store: a real server started under
 * the usual umask 022, in a folder that already exists wider, leaves it readable by its user only.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../server';
import { createPgDatabase, testStores } from '../testing/postgres';

const mode = (p: string) => statSync(p).mode & 0o777;

for (const store of await testStores()) {
  describe(`data folder permissions on ${store}`, () => {
    test('the folder is tightened to 0700; the token, database, -wal and -shm are 0600', async () => {
      const oldUmask = process.umask(0o022);
      const root = mkdtempSync(join(tmpdir(), 'sg-perms-'));
      const dataDir = join(root, 'data');
      mkdirSync(dataDir, { mode: 0o755 });
      chmodSync(dataDir, 0o755);
      // A database file left by an older version with the umask's 0644.
      if (store === 'sqlite') writeFileSync(join(dataDir, 'shipgate.db'), '', { mode: 0o644 });
      const pg = store === 'postgres' ? await createPgDatabase() : undefined;
      const server = await startServer({ listen: '127.0.0.1:0', dataDir, databaseUrl: pg?.url, logLevel: 'silent' });
      try {
        // A write, so SQLite has its WAL and shared-memory files.
        const res = await fetch(new URL('/api/v1/users', server.url), {
          method: 'POST',
          headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'vera' }),
        });
        assert.ok(res.status < 300, await res.text());
        assert.equal(mode(dataDir), 0o700, 'data folder');
        assert.equal(mode(server.adminTokenFile!), 0o600, 'admin token');
        if (store === 'sqlite') {
          for (const f of ['shipgate.db', 'shipgate.db-wal', 'shipgate.db-shm']) assert.equal(mode(join(dataDir, f)), 0o600, f);
        }
      } finally {
        await server.close();
        await pg?.drop();
        process.umask(oldUmask);
        rmSync(root, { recursive: true, force: true });
      }
    });
  });
}
