/**
 * An irreversible migration (a DROP found by the migration check) cannot be rolled back, only
 * restored: through the public API and CLI, its release is refused until a BackupCheck of the
 * service's database passed after the change's approval, on the real PostgreSQL; then the grant
 * names the restore, with its measured time, as the rollback plan.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import type { Role } from '../auth/roles';
import { baseSpec, releaseTemplate } from '../rollout/e2e-fixture';
import { startTestServer, type TestServer } from '../testing/harness';
import { createPgDatabase } from '../testing/postgres';

const doc = (kind: string, name: string, spec: unknown) => stringify({ apiVersion: 'shipgate.dev/v1', kind, metadata: { name }, spec });
const corpus = join(import.meta.dirname, '..', 'verify', 'migration', 'testdata');

describe('an irreversible migration needs a fresh backup check', () => {
  let s: TestServer;
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  const dir = mkdtempSync(join(tmpdir(), 'sg-dr-irreversible-'));
  const tokens = new Map<string, string>();
  const call = async (path: string, user: string, role: Role, body?: unknown) => {
    if (!tokens.has(user)) tokens.set(user, await s.token(role, user));
    const r = await s.fetch(path, {
      method: body === undefined ? 'GET' : 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
      token: tokens.get(user)!,
    });
    return { status: r.status, json: (await r.json()) as Record<string, any> };
  };
  let changeId = '';

  before(async () => {
    db = await createPgDatabase();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('create table orders (id int primary key, total int not null); insert into orders select g, g * 3 from generate_series(1, 500) g');
    await c.end();
    s = await startTestServer();
    copyFileSync(join(corpus, 'schema.sql'), join(dir, 'schema.sql'));
    copyFileSync(join(corpus, 'corpus', '34-drop-column.allowed.safe.sql'), join(dir, 'drop-column.sql'));
    writeFileSync(
      join(dir, 'all.yaml'),
      [
        doc('Service', 'shop', { owner: 'team-shop', databases: [{ database: 'orders-db', pool: 2 }] }),
        doc('Database', 'orders-db', { environments: { production: { url: db.url } } }),
        doc('BackupCheck', 'orders-nightly', { database: 'orders-db', environment: 'production', source: { dump: true }, rto: '5m', rpo: '1h' }),
        doc(
          'Rollout',
          'shop-production',
          baseSpec({ target: { type: 'static', endpoints: { v5: ['http://127.0.0.1:9'] }, replicas: 1 } as never, verify: ['migration'] }),
        ),
        stringify(releaseTemplate('other')),
      ].join('---\n'),
    );
    const applied = await s.cli(['apply', '-f', join(dir, 'all.yaml')]);
    assert.equal(applied.code, 0, applied.stderr);
    const drop = await s.cli(['verify', 'migration', 'drop-column.sql', '--schema', 'schema.sql', '--service', 'shop', '--version', 'v5', '-o', 'json'], {
      cwd: dir,
    });
    assert.equal(drop.code, 0, drop.stderr);
    assert.equal((JSON.parse(drop.stdout) as { irreversible: boolean }).irreversible, true);
    const created = await call('/api/v1/changes', 'alice', 'deployer', {
      service: 'shop',
      environment: 'production',
      type: 'normal',
      title: 'drop a column',
      rollbackPlan: 'restore',
      oncall: 'olga',
      version: 'v5',
      // Its author knows: two approvers other than the author, whatever else it needs.
      irreversible: true,
    });
    assert.ok(created.status < 300, JSON.stringify(created.json));
    changeId = created.json.id;
    assert.ok((await call(`/api/v1/changes/${changeId}/submit`, 'alice', 'deployer', {})).status < 300);
    assert.ok((await call(`/api/v1/changes/${changeId}/approve`, 'bob', 'approver', {})).status < 300);
    const second = await call(`/api/v1/changes/${changeId}/approve`, 'carol', 'approver', {});
    assert.equal(second.json.state, 'scheduled', JSON.stringify(second.json));
  });
  after(async () => {
    await s?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('refused without a backup check newer than the approval; granted after one, the restore as its rollback plan', async () => {
    const refused = await call('/api/v1/releases', 'alice', 'deployer', { service: 'shop', version: 'v5', changeId });
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.equal(refused.json.code, 'VERIFICATION_REQUIRED');
    assert.match(
      refused.json.message,
      /cannot be rolled back, only restored: it needs a passing backup check of orders-db in production newer than its approval/,
    );

    const check = await s.cli(['backup', 'check', 'orders-nightly', '-o', 'json'], { token: await s.token('oncall', 'olga') });
    assert.equal(check.code, 0, check.stdout + check.stderr);

    const granted = await call('/api/v1/releases', 'alice', 'deployer', { service: 'shop', version: 'v5', changeId });
    assert.equal(granted.status, 201, JSON.stringify(granted.json));
    const audit = (await (await s.fetch('/api/v1/audit/events?kind=Gate&limit=50')).json()) as {
      items: { action: string; details: { changeId?: string; reasons?: string[] } }[];
    };
    const allow = audit.items.find((e) => e.action === 'gate.allow' && e.details.changeId === changeId);
    assert.match(
      JSON.stringify(allow?.details.reasons),
      /rollback plan: restore orders-db from its backup \(check orders-nightly, run \S+: restored in [\d.]+ s at /,
    );
  });
});
