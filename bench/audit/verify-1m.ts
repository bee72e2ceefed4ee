/**
 * `shipgate audit verify` over a 1,000,000-event keyed chain. The chain is built directly in the
 * store, in bulk (real HMAC links under the server's key and real state hashes, computed with
 * eventLink; inserted with a prepared statement in one transaction on SQLite, multi-row INSERTs
 * on PostgreSQL, no API), then signed with a checkpoint, then verified through the real API (GET /api/v1/audit/verify:
 * the whole MAC walk, state hashes, and the comparison with the table's and the file's
 * checkpoints) and, for comparison, AuditLog.verify alone in-process. Goal: < 10 s.
 *
 *   node --import tsx bench/audit/verify-1m.ts [--events 1000000] [--runs 3] [--store sqlite|postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer } from '../../src/server';
import { createPgDatabase } from '../../src/testing/postgres';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { canonicalJson } from '../../src/core/ids';
import { eventLink, stateHash } from '../../src/audit/audit-log';
import { AUDIT_CHECKPOINTS } from '../../src/audit/checkpoints';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const total = Number(opt('events', '1000000'));
const runs = Math.min(10, Number(opt('runs', '3')));
const store = opt('store', 'sqlite') as 'sqlite' | 'postgres';
const BATCH = 10_000;

const dataDir = mkdtempSync(join(tmpdir(), 'shipgate-bench-verify-'));
const pg_ = store === 'postgres' ? await createPgDatabase() : undefined;
const s = await startServer({ listen: '127.0.0.1:0', dataDir, databaseUrl: pg_?.url ?? `sqlite:${join(dataDir, 'shipgate.db')}`, logLevel: 'silent' });
try {
  const { db, audit } = s.ctx;
  const t0 = performance.now();
  const head = await audit.head(db);
  let prevHash = head.hash;
  let seq = head.seq;
  const at = new Date().toISOString();
  /** The next `n` events, chained exactly as AuditLog.appendMany would. */
  const next = (n: number) => {
    const rows: unknown[][] = [];
    for (let j = 0; j < n; j++) {
      const i = ++seq;
      const name = `svc-${String(i % 1000).padStart(4, '0')}`;
      const before = { apiVersion: 'shipgate.dev/v1', kind: 'Service', metadata: { name }, spec: { tier: i % 4 } };
      const after = { apiVersion: 'shipgate.dev/v1', kind: 'Service', metadata: { name }, spec: { tier: (i + 1) % 4 } };
      const e = {
        seq: i,
        at,
        actor: `user-${i % 17}`,
        action: 'resource.update',
        kind: 'Service',
        name,
        beforeHash: stateHash(before)!,
        afterHash: stateHash(after)!,
        details: null,
        prevHash,
      };
      const hash = eventLink(audit.mac, e);
      rows.push([
        e.seq,
        e.at,
        e.actor,
        e.action,
        e.kind,
        e.name,
        e.beforeHash,
        e.afterHash,
        canonicalJson(before),
        canonicalJson(after),
        null,
        e.prevHash,
        hash,
      ]);
      prevHash = hash;
    }
    return rows;
  };
  const cols = 'seq, at, actor, action, kind, name, before_hash, after_hash, before_json, after_json, details, prev_hash, hash';
  if (store === 'sqlite') {
    // A second connection to the same file, only while the server is idle: one transaction.
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    const raw = new Database(join(dataDir, 'shipgate.db'));
    raw.pragma('busy_timeout = 5000');
    const ins = raw.prepare(`insert into audit_events (${cols}) values (${Array(13).fill('?').join(', ')})`);
    raw.transaction(() => {
      while (seq < total) for (const r of next(Math.min(BATCH, total - seq))) ins.run(...r);
    })();
    raw.close();
  } else {
    const client = new pg.Client({ connectionString: pg_!.url });
    await client.connect();
    await client.query('begin');
    while (seq < total) {
      const rows = next(Math.min(1000, total - seq));
      const params = rows.flat();
      const values = rows.map((_, r) => `(${Array.from({ length: 13 }, (_, c) => `$${r * 13 + c + 1}`).join(', ')})`).join(', ');
      await client.query(`insert into audit_events (${cols}) values ${values}`, params);
      if (seq % 100_000 === 0) process.stderr.write(`built ${seq} events (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    }
    await client.query('commit');
    await client.end();
  }
  const buildS = (performance.now() - t0) / 1000;
  const cp = await s.ctx.services.get(AUDIT_CHECKPOINTS)!.create();

  const api: number[] = [];
  const direct: number[] = [];
  const directCpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const a = performance.now();
    const res = await fetch(`${s.url}/api/v1/audit/verify`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    const v = (await res.json()) as { ok: boolean; events: number; checkpoints?: unknown[]; reason?: string };
    api.push(performance.now() - a);
    if (!v.ok || v.events !== cp.headSeq || v.checkpoints?.length !== 2) throw new Error(`verify: ${JSON.stringify(v)}`);
    const b = performance.now();
    const c0 = process.cpuUsage();
    const d = await audit.verify(db);
    direct.push(performance.now() - b);
    const c = process.cpuUsage(c0);
    directCpu.push((c.user + c.system) / 1000);
    if (!d.ok) throw new Error(`direct verify: ${JSON.stringify(d)}`);
    process.stderr.write(
      `run ${r + 1}: API ${(api[r] / 1000).toFixed(2)} s, in-process chain walk ${(direct[r] / 1000).toFixed(2)} s (CPU ${(directCpu[r] / 1000).toFixed(2)} s)\n`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  process.stdout.write(
    JSON.stringify(
      {
        store,
        events: cp.headSeq,
        buildS,
        apiVerifyS: api.map((x) => x / 1000),
        directVerifyS: direct.map((x) => x / 1000),
        directVerifyCpuS: directCpu.map((x) => x / 1000),
        loadAverage: (await import('node:os')).loadavg(),
        medianApiS: median(api) / 1000,
        goalS: 10,
        met: median(api) < 10_000,
      },
      null,
      2,
    ) + '\n',
  );
} finally {
  await s.close();
  await pg_?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
