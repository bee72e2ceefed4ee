import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import { startTestServer } from '../testing/harness';
import { PG_ADMIN_URL, testStores } from '../testing/postgres';

/** Ends every server connection to the test database, as a PostgreSQL restart or failover does. */
async function terminateConnections(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    const r = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
    return r.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

if ((await testStores()).includes('postgres')) {
  test('PostgreSQL ending idle connections does not stop the server; the next request reconnects', async () => {
    const s = await startTestServer({ store: 'postgres' });
    try {
      // Several requests at once leave several idle connections in the pool.
      const first = await Promise.all(Array.from({ length: 4 }, () => s.fetch('/readyz')));
      assert.deepEqual(
        first.map((r) => r.status),
        [200, 200, 200, 200],
      );
      const database = new URL(s.server.ctx.config.databaseUrl!).pathname.slice(1);
      assert.ok((await terminateConnections(database)) >= 1, 'no server connection to terminate');
      // The idle connections' errors arrive asynchronously; an unhandled one would end the process.
      await new Promise((r) => setTimeout(r, 300));
      const after = await s.fetch('/readyz');
      assert.equal(after.status, 200);
      const r = await s.cli(['get', 'services', '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await s.close();
    }
  });

  test('a connection ended in the middle of a query fails that query only; the server goes on', async () => {
    const s = await startTestServer({ store: 'postgres' });
    try {
      const database = new URL(s.server.ctx.config.databaseUrl!).pathname.slice(1);
      const running = sql`select pg_sleep(5)`.execute(s.server.ctx.db).then(
        () => undefined,
        (e: Error) => e,
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.ok((await terminateConnections(database)) >= 1);
      assert.match(String(await running), /terminating connection/);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await s.fetch('/readyz')).status, 200);
    } finally {
      await s.close();
    }
  });
}
