/**
 * Connection pools through the public CLI and API against the real PostgreSQL at 127.0.0.1:5432
 * (a database of its own): the Database kind, `capacity pools ENV`, the release refused by the one
 * authorisation path when a release's peak would pass max_connections, `--load`, and the
 * refusals (egress, an unreadable database, secrets in reads).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { startTestServer, type TestServer } from '../testing/harness';
import { createPgDatabase, PG_ADMIN_URL } from '../testing/postgres';
import { baseSpec, releaseTemplate } from '../rollout/e2e-fixture';
import type { PoolsView } from './pool-service';

const dir = mkdtempSync(join(tmpdir(), 'sg-pools-'));
const doc = (kind: string, name: string, spec: unknown) => stringify({ apiVersion: 'shipgate.dev/v1', kind, metadata: { name }, spec });
const staticRollout = (service: string, strategy: unknown) =>
  baseSpec({
    service,
    route: service,
    target: { type: 'static', endpoints: { '1.0.0': ['http://127.0.0.1:9'], '2.0.0': ['http://127.0.0.1:9'] }, replicas: service === 'shop' ? 3 : 2 } as never,
    strategy: strategy as never,
  });

describe('connection pools against the real PostgreSQL', () => {
  let s: TestServer;
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  const role = `sg_pool_${process.pid}`;
  let limits: { max: number; su: number };
  const apply = async (name: string, text: string) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    return s.cli(['apply', '-f', file]);
  };
  const services = (billingPool: number) =>
    [
      doc('Service', 'shop', { owner: 'team-shop', databases: [{ database: 'orders-db', pool: 5, user: 'postgres' }] }),
      doc('Service', 'billing', { owner: 'team-billing', databases: [{ database: 'orders-db', pool: billingPool, user: 'postgres' }] }),
    ].join('---\n');

  before(async () => {
    db = await createPgDatabase();
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    const r = await admin.query<{ max: string; su: string }>(
      "select current_setting('max_connections') max, current_setting('superuser_reserved_connections') su",
    );
    limits = { max: Number(r.rows[0].max), su: Number(r.rows[0].su) };
    await admin.query(`create role ${role} login connection limit 10`);
    await admin.end();
    s = await startTestServer();
    const applied = await apply(
      'base',
      [
        doc('Database', 'orders-db', { environments: { production: { url: db.url, reserve: 5 } } }),
        services(10),
        stringify(releaseTemplate('shop')),
        stringify(releaseTemplate('billing')),
        doc('Rollout', 'shop-production', staticRollout('shop', { canary: { steps: [{ setWeight: 50 }] } })),
        doc('Rollout', 'billing-production', staticRollout('billing', { rolling: { maxSurge: 1 } })),
      ].join('---\n'),
    );
    assert.equal(applied.code, 0, applied.stderr);
  });
  after(async () => {
    await s?.close();
    await db?.drop();
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  test('pools -o json: the real limits, each release at its peak (a canary at promotion: new and old at full; a rolling surge), exit 0 when all fit', async () => {
    const r = await s.cli(['capacity', 'pools', 'production', '-o', 'json'], { token: await s.token('viewer', 'vic') });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const v = JSON.parse(r.stdout) as PoolsView;
    const d = v.databases[0];
    assert.equal(d.database, 'orders-db');
    assert.equal(d.limits?.maxConnections, limits.max);
    const usable = limits.max - limits.su - 5;
    assert.equal(d.usable, usable);
    assert.equal(d.others, 0, 'every open connection is the declared role');
    assert.deepEqual(
      d.clients.map((c) => [c.service, c.pool, c.replicas, c.peakReplicas, c.strategy]),
      [
        ['billing', 10, 2, 3, 'rolling'],
        ['shop', 5, 3, 6, 'canary'],
      ],
    );
    assert.deepEqual(
      d.releases?.map((x) => x.arithmetic),
      [
        `billing 10 × 3 (rolling peak) + shop 5 × 3 = 45; + 0 held by others = 45 ≤ ${usable} usable`,
        `billing 10 × 2 + shop 5 × 6 (canary peak) = 50; + 0 held by others = 50 ≤ ${usable} usable`,
      ],
    );
    const table = await s.cli(['capacity', 'pools', 'production']);
    assert.match(table.stdout, /orders-db: fits; usable \d+ = \d+ max_connections − \d+ superuser_reserved − 0 reserved − 5 reserve/);
    assert.match(table.stdout, /RELEASE OF\s+POOL\s+REPLICAS\s+PEAK\s+CONNECTIONS/);
  });

  test('a release whose peak would pass the limit is refused with the arithmetic; one that fits passes the gate', async () => {
    const ok = await s.cli(['release', 'shop', '--version', '2.0.0']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal((await apply('bigger', services(40))).code, 0);
    const pools = await s.cli(['capacity', 'pools', 'production', '-o', 'json']);
    assert.equal(pools.code, 1, 'a release that does not fit exits 1');
    const r = await s.cli(['release', 'billing', '--version', '2.0.0']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /CAPACITY_EXCEEDED|connection pools would pass/);
    assert.match(r.stderr, /billing 40 × 3 \(rolling peak\) \+ shop 5 × 3 = 135; \+ 0 held by others = 135 > \d+ usable/);
    const audit = (await (await s.fetch('/api/v1/audit/events?kind=Gate&limit=20')).json()) as {
      items: { action: string; name: string; details: { code?: string; rule?: string } }[];
    };
    const refusal = audit.items.find((e) => e.action === 'gate.refuse' && e.name === 'billing/production');
    assert.ok(refusal, JSON.stringify(audit.items.map((e) => [e.action, e.name])));
    assert.match(JSON.stringify(refusal.details), /CAPACITY_EXCEEDED/);
    assert.equal((await apply('back', services(10))).code, 0);
  });

  test('--load opens the largest release peak against the real database and queries on each; a role limit shows as refusals (exit 1)', async () => {
    const r = await s.cli(['capacity', 'pools', 'production', '--load', '--database', 'orders-db', '--url', db.url, '--duration', '1s', '-o', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const load = JSON.parse(r.stdout) as { peak: number; connections: { wanted: number; opened: number }; queries: number; errors: number; held: boolean };
    assert.equal(load.peak, 50);
    assert.deepEqual(load.connections, { wanted: 50, opened: 50, refused: 0 });
    assert.ok(load.queries > 50, `queries ${load.queries}`);
    assert.equal(load.errors, 0);
    const limited = new URL(db.url);
    limited.username = role;
    const over = await s.cli([
      'capacity',
      'pools',
      'production',
      '--load',
      '--database',
      'orders-db',
      '--url',
      limited.toString(),
      '--connections',
      '15',
      '--duration',
      '300ms',
    ]);
    assert.equal(over.code, 1, over.stdout + over.stderr);
    assert.match(over.stdout, /DID NOT HOLD: 10\/15 connections/);
    assert.match(over.stdout, /refused 5: too many connections for role/);
    const bad = await s.cli(['capacity', 'pools', 'production', '--load', '--database', 'orders-db']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--url/);
  });

  test('an unreadable database refuses its services’ releases; egress and secrets hold', async () => {
    const ghost = [
      doc('Database', 'ghost-db', { environments: { production: { url: 'postgres://postgres:hunter2@127.0.0.1:1/ghost' } } }),
      doc('Service', 'ghost', { databases: [{ database: 'ghost-db', pool: 2 }] }),
      stringify(releaseTemplate('ghost')),
      doc('Rollout', 'ghost-production', staticRollout('ghost', { canary: { steps: [{ setWeight: 50 }] } })),
    ].join('---\n');
    assert.equal((await apply('ghost', ghost)).code, 0);
    const v = JSON.parse((await s.cli(['capacity', 'pools', 'production', '-o', 'json'])).stdout) as PoolsView;
    const g = v.databases.find((d) => d.database === 'ghost-db')!;
    assert.match(g.error ?? '', /cannot read the limits of ghost-db in production: .*ECONNREFUSED/);
    assert.doesNotMatch(JSON.stringify(v), /hunter2/);
    const r = await s.cli(['release', 'ghost', '--version', '2.0.0']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /cannot read the limits of ghost-db.*only an emergency change passes/s);
    const got = await s.cli(['get', 'database', 'ghost-db', '-o', 'json'], { token: await s.token('viewer', 'vic') });
    assert.doesNotMatch(got.stdout, /hunter2/);
    assert.match(got.stdout, /"url": "secret:hmac:[0-9a-f]+"/);
    const meta = await apply('meta', doc('Database', 'meta-db', { environments: { production: { url: 'postgres://u@169.254.169.254:5432/x' } } }));
    assert.equal(meta.code, 2, meta.stdout + meta.stderr);
    assert.match(meta.stderr, /EGRESS_DENIED|spec\.environments\.production\.url/);
    const notPg = await apply('notpg', doc('Database', 'web-db', { environments: { production: { url: 'http://127.0.0.1:5432/x' } } }));
    assert.equal(notPg.code, 2);
    assert.match(notPg.stderr, /spec\.environments\.production\.url: expected postgres:\/\//);
  });
});
