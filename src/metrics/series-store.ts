import type { ExpressionBuilder, Migration } from 'kysely';
import { canonicalJson } from '../core/ids';
import { fromJson, tablesOf, toJson, transaction, type Db, type Tx } from '../store/db';
import { merge, type HistogramCounts } from './latency-histogram';
import type { SeriesTables } from './series-tables';
import { BUCKET_MS, type CodeClass, type MetricsService, type RouterBucket, type SeriesPoint, type VersionWindow } from './types';

/** The shared handle or a transaction, narrowed to these tables (src/store/db.ts tablesOf). */
const own = (q: Db) => tablesOf<SeriesTables>(q);

/** Pushed points are summed per series, label set and minute. */
export const POINT_BUCKET_MS = 60_000;

export const seriesMigrations: Record<string, Migration> = {
  '202611270004_metrics_series': {
    async up(db) {
      await db.schema
        .createTable('router_buckets')
        .addColumn('route', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('start_ms', 'bigint', (c) => c.notNull())
        .addColumn('mirror', 'integer', (c) => c.notNull())
        .addColumn('requests', 'bigint', (c) => c.notNull())
        .addColumn('errors', 'bigint', (c) => c.notNull())
        .addColumn('counts', 'text', (c) => c.notNull())
        .addColumn('latency', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('router_buckets_pk', ['route', 'version', 'start_ms', 'mirror'])
        .execute();
      await db.schema.createIndex('router_buckets_time').on('router_buckets').columns(['start_ms']).execute();
      await db.schema
        .createTable('series_points')
        .addColumn('series', 'text', (c) => c.notNull())
        .addColumn('labels_key', 'text', (c) => c.notNull())
        .addColumn('t_ms', 'bigint', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('series_points_pk', ['series', 'labels_key', 't_ms'])
        .execute();
    },
    async down(db) {
      await db.schema.dropTable('series_points').execute();
      await db.schema.dropTable('router_buckets').execute();
    },
  },
};

const ERROR_CLASSES: CodeClass[] = ['5xx', 'connect_error', 'timeout'];

function sumCounts(c: Partial<Record<CodeClass, number>>): { requests: number; errors: number } {
  let requests = 0;
  let errors = 0;
  for (const [k, v] of Object.entries(c)) {
    requests += v ?? 0;
    if (ERROR_CLASSES.includes(k as CodeClass)) errors += v ?? 0;
  }
  return { requests, errors };
}

function emptyWindow(): VersionWindow {
  return { requests: 0, errors: 0, counts: {}, latency: {} };
}

function addInto(w: VersionWindow, counts: Partial<Record<CodeClass, number>>, latency: HistogramCounts): void {
  for (const [k, v] of Object.entries(counts)) w.counts[k as CodeClass] = (w.counts[k as CodeClass] ?? 0) + (v ?? 0);
  merge(w.latency, latency);
  const s = sumCounts(counts);
  w.requests += s.requests;
  w.errors += s.errors;
}

/** Runs `fn` in the caller's transaction when given (so the caller can audit in it), else in a new one. */
function within(db: Db, trx: Tx | undefined, fn: (trx: Tx) => Promise<void>): Promise<void> {
  return trx ? fn(trx) : transaction(db, fn);
}

/** The builtin time-series store on the shared database (SQLite or PostgreSQL). */
export class SeriesStore implements MetricsService {
  constructor(private readonly db: Db) {}

  async ingestRouterBuckets(buckets: RouterBucket[], inTx?: Tx): Promise<void> {
    if (buckets.length === 0) return;
    await within(this.db, inTx, async (trx) => {
      for (const b of buckets) {
        const startMs = Math.floor(b.startMs / BUCKET_MS) * BUCKET_MS;
        const mirror = b.mirror ? 1 : 0;
        const key = (eb: ExpressionBuilder<SeriesTables, 'router_buckets'>) => eb.and({ route: b.route, version: b.version, start_ms: startMs, mirror });
        const existing = await own(trx).selectFrom('router_buckets').select(['counts', 'latency']).where(key).executeTakeFirst();
        const w = emptyWindow();
        if (existing) addInto(w, fromJson(existing.counts), fromJson(existing.latency));
        addInto(w, b.counts, b.latency);
        const values = { requests: w.requests, errors: w.errors, counts: toJson(w.counts), latency: toJson(w.latency) };
        if (existing) await own(trx).updateTable('router_buckets').set(values).where(key).execute();
        else
          await own(trx)
            .insertInto('router_buckets')
            .values({ route: b.route, version: b.version, start_ms: startMs, mirror, ...values })
            .execute();
      }
    });
  }

  async routerSeries(q: { route: string; version?: string; fromMs: number; toMs: number }): Promise<(VersionWindow & { startMs: number })[]> {
    let query = own(this.db)
      .selectFrom('router_buckets')
      .select(['start_ms', 'counts', 'latency'])
      .where('route', '=', q.route)
      .where('mirror', '=', 0)
      .where('start_ms', '>=', Math.floor(q.fromMs / BUCKET_MS) * BUCKET_MS)
      .where('start_ms', '<', q.toMs)
      .orderBy('start_ms');
    if (q.version !== undefined) query = query.where('version', '=', q.version);
    const rows = await query.execute();
    const byStart = new Map<number, VersionWindow & { startMs: number }>();
    for (const r of rows) {
      const start = Number(r.start_ms);
      let w = byStart.get(start);
      if (!w) byStart.set(start, (w = { ...emptyWindow(), startMs: start }));
      addInto(w, fromJson(r.counts), fromJson(r.latency));
    }
    return [...byStart.values()];
  }

  async routerWindow(q: { route: string; version?: string; fromMs: number; toMs: number }): Promise<VersionWindow> {
    const w = emptyWindow();
    for (const b of await this.routerSeries(q)) addInto(w, b.counts, b.latency);
    return w;
  }

  async ingestPoints(points: SeriesPoint[], inTx?: Tx): Promise<void> {
    if (points.length === 0) return;
    // Sum within the batch first so each (series, labels, minute) row is written once.
    const agg = new Map<string, { series: string; labelsKey: string; tMs: number; value: number }>();
    for (const p of points) {
      const labelsKey = canonicalJson(p.labels ?? {});
      const tMs = Math.floor(p.tMs / POINT_BUCKET_MS) * POINT_BUCKET_MS;
      const k = `${p.series}\u0000${labelsKey}\u0000${tMs}`;
      const e = agg.get(k);
      if (e) e.value += p.value;
      else agg.set(k, { series: p.series, labelsKey, tMs, value: p.value });
    }
    await within(this.db, inTx, async (trx) => {
      for (const e of agg.values()) {
        await own(trx)
          .insertInto('series_points')
          .values({ series: e.series, labels_key: e.labelsKey, t_ms: e.tMs, value: e.value })
          .onConflict((oc) =>
            oc.columns(['series', 'labels_key', 't_ms']).doUpdateSet((eb) => ({ value: eb('series_points.value', '+', eb.ref('excluded.value')) })),
          )
          .execute();
      }
    });
  }

  async sumSeries(q: { series: string; labels?: Record<string, string>; fromMs: number; toMs: number }): Promise<number> {
    return (await this.sumSeriesSteps({ ...q, stepMs: Math.max(1, q.toMs - q.fromMs) }))[0] ?? 0;
  }

  async sumSeriesSteps(q: { series: string; labels?: Record<string, string>; fromMs: number; toMs: number; stepMs: number }): Promise<number[]> {
    const steps = Math.max(0, Math.ceil((q.toMs - q.fromMs) / q.stepMs));
    const out = new Array<number>(steps).fill(0);
    const rows = await own(this.db)
      .selectFrom('series_points')
      .select(['labels_key', 't_ms', 'value'])
      .where('series', '=', q.series)
      .where('t_ms', '>=', Math.floor(q.fromMs / POINT_BUCKET_MS) * POINT_BUCKET_MS)
      .where('t_ms', '<', q.toMs)
      .execute();
    const want = Object.entries(q.labels ?? {});
    const matches = new Map<string, boolean>();
    for (const r of rows) {
      const key = String(r.labels_key);
      let ok = matches.get(key);
      if (ok === undefined) {
        const labels = fromJson<Record<string, string>>(key);
        matches.set(key, (ok = want.every(([k, v]) => labels[k] === v)));
      }
      if (!ok) continue;
      const i = Math.floor((Math.max(Number(r.t_ms), q.fromMs) - q.fromMs) / q.stepMs);
      if (i >= 0 && i < steps) out[i] += Number(r.value);
    }
    return out;
  }
}
