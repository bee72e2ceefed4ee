/**
 * `shipgate capacity pools ENV --load`: opens the connections a database's pools would hold at a
 * release's peak, against the real database, and keeps each busy with a query for a while, so a
 * team sees the limit (refused connections, slow queries) before users do. Runs where the CLI
 * runs, against the URL the person gives; bounded in connections and time.
 */
import pg from 'pg';
import { quantileSorted } from '../core/stats/quantiles';

export const MAX_LOAD_CONNECTIONS = 2000;
const MAX_SAMPLES = 1_000_000;

export interface PoolLoadResult {
  connections: { wanted: number; opened: number; refused: number };
  /** Why connections were refused, by message (e.g. `sorry, too many clients already`). */
  refusals: Record<string, number>;
  queries: number;
  errors: number;
  queriesPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  durationMs: number;
}

export async function runPoolLoad(o: {
  url: string;
  connections: number;
  durationMs: number;
  query: string;
  onProgress?: (opened: number, queries: number) => void;
}): Promise<PoolLoadResult> {
  const refusals: Record<string, number> = {};
  const clients: pg.Client[] = [];
  // Connections open in batches: a storm of thousands at once measures the listener, not the limit.
  for (let i = 0; i < o.connections; i += 50) {
    const batch = Array.from({ length: Math.min(50, o.connections - i) }, async () => {
      const c = new pg.Client({ connectionString: o.url, connectionTimeoutMillis: 10_000, application_name: 'shipgate-pool-load' });
      c.on('error', () => {});
      try {
        await c.connect();
        clients.push(c);
      } catch (e) {
        const m = (e as Error).message;
        refusals[m] = (refusals[m] ?? 0) + 1;
        await c.end().catch(() => {});
      }
    });
    await Promise.all(batch);
    o.onProgress?.(clients.length, 0);
  }
  const samples: number[] = [];
  let queries = 0;
  let errors = 0;
  let max = 0;
  const start = performance.now();
  const end = start + o.durationMs;
  try {
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < end) {
          const t = performance.now();
          try {
            await c.query(o.query);
            const ms = performance.now() - t;
            queries++;
            if (ms > max) max = ms;
            if (samples.length < MAX_SAMPLES) samples.push(ms);
          } catch {
            errors++;
          }
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
  const durationMs = performance.now() - start;
  samples.sort((a, b) => a - b);
  return {
    connections: { wanted: o.connections, opened: clients.length, refused: o.connections - clients.length },
    refusals,
    queries,
    errors,
    queriesPerSecond: (queries * 1000) / durationMs,
    latencyMs: { p50: samples.length ? quantileSorted(samples, 0.5) : 0, p99: samples.length ? quantileSorted(samples, 0.99) : 0, max },
    durationMs,
  };
}
