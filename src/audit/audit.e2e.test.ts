import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';

function manifests(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-audit-'));
  const docs = Array.from({ length: n }, (_, i) => `apiVersion: shipgate.dev/v1\nkind: Service\nmetadata: {name: svc-${i}}\nspec: {tier: 2}\n`);
  writeFileSync(join(dir, 'services.yaml'), docs.join('---\n'));
  return dir;
}

for (const store of await testStores()) {
  describe(`audit log on ${store}`, () => {
    let s: TestServer;
    beforeEach(async () => {
      s = await startTestServer({ store });
      const r = await s.cli(['apply', '-f', manifests(5)]);
      assert.equal(r.code, 0, r.stderr);
    });
    afterEach(() => s.close());

    test('an untouched chain verifies and exports as JSON lines', async () => {
      const v = await s.cli(['audit', 'verify']);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /intact: 7 events verified/); // bootstrap user and token + 5 services
      const out = join(s.dataDir, 'audit.jsonl');
      const e = await s.cli(['audit', 'export', '--out', out]);
      assert.equal(e.code, 0, e.stderr);
      const lines = readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.equal(lines.length, 7);
      assert.deepEqual(
        lines.map((l) => l.seq),
        [1, 2, 3, 4, 5, 6, 7],
      );
      assert.equal(lines[2].prevHash, lines[1].hash);
      assert.equal(lines[0].action, 'user.create');
      assert.equal(lines[4].action, 'resource.create');
      assert.equal(lines[4].after.metadata.name, 'svc-2');
    });

    test('export to a path that cannot be written is a usage error naming the path', async () => {
      const out = join(s.dataDir, 'no-such-folder', 'audit.jsonl');
      const e = await s.cli(['audit', 'export', '--out', out]);
      assert.equal(e.code, 2);
      assert.match(e.stderr, /^error: cannot write .*no-such-folder\/audit\.jsonl: ENOENT/);
      assert.doesNotMatch(e.stderr, /\n\s+at /, 'no stack trace');
    });

    const tamper: [string, (t: TestServer) => Promise<void>, number, RegExp][] = [
      ['an edited actor', (t) => sql`update audit_events set actor = 'mallory' where seq = 3`.execute(t.server.ctx.db).then(() => {}), 3, /modified/],
      [
        'an edited stored state',
        (t) => sql`update audit_events set after_json = replace(after_json, 'svc-3', 'svc-x') where seq = 6`.execute(t.server.ctx.db).then(() => {}),
        6,
        /"after" state/,
      ],
      ['a deleted event', (t) => sql`delete from audit_events where seq = 4`.execute(t.server.ctx.db).then(() => {}), 4, /missing/],
      [
        'a deleted last-but-one event with renumbering',
        async (t) => {
          await sql`delete from audit_events where seq = 5`.execute(t.server.ctx.db);
          await sql`update audit_events set seq = 5 where seq = 6`.execute(t.server.ctx.db);
        },
        5,
        /does not link/,
      ],
      [
        'two events swapped',
        async (t) => {
          await sql`update audit_events set seq = 100 where seq = 2`.execute(t.server.ctx.db);
          await sql`update audit_events set seq = 2 where seq = 3`.execute(t.server.ctx.db);
          await sql`update audit_events set seq = 3 where seq = 100`.execute(t.server.ctx.db);
        },
        2,
        /does not link/,
      ],
    ];
    for (const [what, edit, seq, reason] of tamper) {
      test(`verify exits 1 and names the first bad event after ${what}`, async () => {
        await edit(s);
        const v = await s.cli(['audit', 'verify', '-o', 'json']);
        assert.equal(v.code, 1, v.stdout);
        const r = JSON.parse(v.stdout);
        assert.equal(r.ok, false);
        assert.equal(r.seq, seq);
        assert.match(r.reason, reason);
      });
    }

    test('a failed apply leaves neither resources nor audit events behind', async () => {
      const before = (await s.server.ctx.audit.list(s.server.ctx.db)).length;
      const dir = manifests(3);
      writeFileSync(join(dir, 'z-bad.yaml'), 'apiVersion: shipgate.dev/v1\nkind: Service\nmetadata: {name: bad}\nspec: {tier: 9}\n');
      const r = await s.cli(['apply', '-f', dir]);
      assert.equal(r.code, 2);
      assert.equal((await s.server.ctx.audit.list(s.server.ctx.db)).length, before);
    });
  });
}
