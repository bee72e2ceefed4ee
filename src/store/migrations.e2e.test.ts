import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from './db';
import { migrateAllDown, migrateToLatest } from './migrate';
import { assemble } from '../server';
import { capabilities } from '../capabilities';
import { createPgDatabase, testStores } from '../testing/postgres';

/** Every capability's migrations go up, down and up again with rows in the tables, on each database. */
for (const store of await testStores()) {
  describe(`migrations on ${store}`, () => {
    test('up, seed, all down, up again', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'shipgate-mig-'));
      const pgdb = store === 'postgres' ? await createPgDatabase() : undefined;
      const { db, close } = openDatabase({ url: pgdb?.url, dataDir: dir });
      try {
        const { migrations } = assemble(capabilities);
        const applied = await migrateToLatest(db, migrations);
        assert.deepEqual(applied, Object.keys(migrations).sort());
        await db
          .insertInto('resources')
          .values({
            api_version: 'shipgate.dev/v1',
            kind: 'Service',
            name: 'a',
            body: '{}',
            hash: 'h',
            generation: 1,
            created_at: 'x',
            updated_at: 'x',
            updated_by: 'u',
          })
          .execute();
        await db.insertInto('audit_events').values({ seq: 1, at: 'x', actor: 'a', action: 'b', kind: 'k', name: 'n', prev_hash: '0', hash: '1' }).execute();
        await migrateAllDown(db, migrations);
        const again = await migrateToLatest(db, migrations);
        assert.equal(again.length, applied.length);
        const rows = await db.selectFrom('resources').selectAll().execute();
        assert.equal(rows.length, 0);
      } finally {
        await close();
        await pgdb?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
