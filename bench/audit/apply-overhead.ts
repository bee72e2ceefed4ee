/**
 * What the keyed audit chain and SQLite synchronous=FULL cost on `apply`: the same 1,000 services
 * (5,000 edges; bench/catalog/generate-catalog.ts, seed 7) applied through the real API
 * (POST /api/v1/apply, one request, one transaction, 1,000+ audit events) to a fresh in-process
 * server, alternating two modes in one run:
 *
 * - before: `options.audit.benchPlainSha256` — plain SHA-256 chain, no checkpoints, SQLite
 *   synchronous=NORMAL (the code path before the keyed chain, kept behind an internal option);
 * - after:  the default — HMAC-SHA256 chain, checkpoint writer running, synchronous=FULL.
 *
 * Also, per mode, `--small` applies of one service each (one commit and one fsync each under FULL),
 * where the per-commit cost shows. Reports medians and after ÷ before.
 *
 *   node --import tsx bench/audit/apply-overhead.ts [--rounds 5] [--small 100] [--store sqlite|postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateCatalog, writeCatalog } from '../catalog/generate-catalog';
import { readManifestFiles } from '../../src/resources/read-files';
import { startServer } from '../../src/server';
import { createPgDatabase } from '../../src/testing/postgres';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const rounds = Math.min(20, Number(opt('rounds', '5')));
const small = Math.min(1000, Number(opt('small', '100')));
const store = opt('store', 'sqlite') as 'sqlite' | 'postgres';

const catalogDir = mkdtempSync(join(tmpdir(), 'shipgate-bench-audit-catalog-'));
writeCatalog(generateCatalog(1000, 5000, 7), catalogDir);
const files = readManifestFiles([catalogDir], catalogDir);

type Mode = 'before' | 'after';

async function round(mode: Mode): Promise<{ applyMs: number; smallMs: number; events: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shipgate-bench-audit-'));
  const pg = store === 'postgres' ? await createPgDatabase() : undefined;
  const s = await startServer({
    listen: '127.0.0.1:0',
    dataDir,
    databaseUrl: pg?.url ?? `sqlite:${join(dataDir, 'shipgate.db')}`,
    logLevel: 'silent',
    options: { audit: mode === 'before' ? { benchPlainSha256: true } : {} },
  });
  try {
    const post = (body: unknown) =>
      fetch(`${s.url}/api/v1/apply`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const t0 = performance.now();
    const res = await post({ files });
    const text = await res.text();
    const applyMs = performance.now() - t0;
    if (res.status !== 200) throw new Error(`apply answered ${res.status}: ${text.slice(0, 300)}`);
    const t1 = performance.now();
    for (let i = 0; i < small; i++) {
      const r = await post({
        files: [{ name: `one-${i}.yaml`, content: `apiVersion: shipgate.dev/v1\nkind: Service\nmetadata: {name: one-${i}}\nspec: {tier: 3}\n` }],
      });
      if (r.status !== 200) throw new Error(`small apply answered ${r.status}: ${await r.text()}`);
      await r.arrayBuffer();
    }
    const smallMs = performance.now() - t1;
    const v = (await (await fetch(`${s.url}/api/v1/audit/verify`, { headers: { authorization: `Bearer ${s.adminToken}` } })).json()) as {
      ok: boolean;
      events: number;
    };
    if (!v.ok) throw new Error(`audit chain does not verify after the ${mode} round`);
    return { applyMs, smallMs, events: v.events };
  } finally {
    await s.close();
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};

const results: Record<Mode, { applyMs: number; smallMs: number; events: number }[]> = { before: [], after: [] };
await round('after'); // warm-up (JIT, page cache), not counted
for (let r = 0; r < rounds; r++) {
  // Alternate which mode goes first, so drift in the machine's load hits both alike.
  for (const mode of (r % 2 ? ['after', 'before'] : ['before', 'after']) as Mode[]) {
    const x = await round(mode);
    results[mode].push(x);
    process.stderr.write(`round ${r + 1} ${mode}: apply ${x.applyMs.toFixed(0)} ms, ${small} single applies ${x.smallMs.toFixed(0)} ms (${x.events} events)\n`);
  }
}
rmSync(catalogDir, { recursive: true, force: true });
const row = (m: Mode) => ({ applyMs: median(results[m].map((x) => x.applyMs)), smallMs: median(results[m].map((x) => x.smallMs)) });
const b = row('before');
const a = row('after');
const out = {
  store,
  rounds,
  files: files.length,
  before: { ...b, perSmallApplyMs: b.smallMs / small },
  after: { ...a, perSmallApplyMs: a.smallMs / small },
  ratioApply: a.applyMs / b.applyMs,
  ratioSmall: a.smallMs / b.smallMs,
  perRoundApplyRatios: results.after.map((x, i) => x.applyMs / results.before[i].applyMs),
  // Rounds pair a before and an after run back to back: the median of their ratios is less
  // sensitive to the machine's load drifting across the run than the ratio of medians.
  medianRoundApplyRatio: median(results.after.map((x, i) => x.applyMs / results.before[i].applyMs)),
  medianRoundSmallRatio: median(results.after.map((x, i) => x.smallMs / results.before[i].smallMs)),
  loadAverage: loadavg(),
};
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
