/**
 * `shipgate audit verify` over a 1,000,000-event keyed chain. The chain is built directly in the
 * store (AuditLog.appendMany, 10,000 events per transaction: real HMAC links and state hashes, no
 * API), then signed with a checkpoint, then verified through the real API (GET /api/v1/audit/verify:
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
import { transaction } from '../../src/store/db';
import type { AuditInput } from '../../src/audit/audit-log';
import { AUDIT_CHECKPOINTS, type AuditCheckpoints } from '../../src/audit/checkpoints';

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
const pg = store === 'postgres' ? await createPgDatabase() : undefined;
const s = await startServer({ listen: '127.0.0.1:0', dataDir, databaseUrl: pg?.url ?? `sqlite:${join(dataDir, 'shipgate.db')}`, logLevel: 'silent' });
try {
  const { db, audit } = s.ctx;
  const t0 = performance.now();
  let written = Number((await audit.head(db)).seq);
  while (written < total) {
    const n = Math.min(BATCH, total - written);
    const inputs: AuditInput[] = Array.from({ length: n }, (_, j) => {
      const i = written + j;
      const name = `svc-${String(i % 1000).padStart(4, '0')}`;
      return {
        actor: `user-${i % 17}`,
        action: 'resource.update',
        kind: 'Service',
        name,
        before: { apiVersion: 'shipgate.dev/v1', kind: 'Service', metadata: { name }, spec: { tier: i % 4 } },
        after: { apiVersion: 'shipgate.dev/v1', kind: 'Service', metadata: { name }, spec: { tier: (i + 1) % 4 } },
      };
    });
    await transaction(db, (trx) => audit.appendMany(trx, inputs));
    written += n;
    if (written % 100_000 === 0) process.stderr.write(`built ${written} events (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  const buildS = (performance.now() - t0) / 1000;
  const cp = await s.ctx.services.get<AuditCheckpoints>(AUDIT_CHECKPOINTS)!.create();

  const api: number[] = [];
  const direct: number[] = [];
  for (let r = 0; r < runs; r++) {
    const a = performance.now();
    const res = await fetch(`${s.url}/api/v1/audit/verify`, { headers: { authorization: `Bearer ${s.adminToken}` } });
    const v = (await res.json()) as { ok: boolean; events: number; checkpoints?: unknown[]; reason?: string };
    api.push(performance.now() - a);
    if (!v.ok || v.events !== cp.headSeq || v.checkpoints?.length !== 2) throw new Error(`verify: ${JSON.stringify(v)}`);
    const b = performance.now();
    const d = await audit.verify(db);
    direct.push(performance.now() - b);
    if (!d.ok) throw new Error(`direct verify: ${JSON.stringify(d)}`);
    process.stderr.write(`run ${r + 1}: API ${(api[r] / 1000).toFixed(2)} s, in-process chain walk ${(direct[r] / 1000).toFixed(2)} s\n`);
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  process.stdout.write(
    JSON.stringify({ store, events: cp.headSeq, buildS, apiVerifyS: api.map((x) => x / 1000), directVerifyS: direct.map((x) => x / 1000), medianApiS: median(api) / 1000, goalS: 10, met: median(api) < 10_000 }, null, 2) + '\n',
  );
} finally {
  await s.close();
  await pg?.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
