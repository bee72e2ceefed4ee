import type { MetricsService, RouterBucket } from '../metrics/types';
import type { StatsSink } from './stats-recorder';

/** Hands buckets to the metrics service of the same process (the in-process router). */
export class MetricsServiceSink implements StatsSink {
  constructor(private readonly metrics: () => MetricsService | undefined) {}
  async push(buckets: RouterBucket[]): Promise<void> {
    const m = this.metrics();
    if (m) await m.ingestRouterBuckets(buckets);
  }
}

/**
 * Pushes buckets to `POST {server}/api/v1/router/stats` with the router's token. Batches that fail
 * are kept (up to `maxPending` buckets, oldest dropped first) and sent with the next push.
 */
export class HttpPushSink implements StatsSink {
  private pending: RouterBucket[] = [];

  constructor(
    private readonly serverUrl: string,
    private readonly token: string | undefined,
    private readonly maxPending = 50_000,
    private readonly timeoutMs = 5_000,
  ) {}

  async push(buckets: RouterBucket[]): Promise<void> {
    this.pending.push(...buckets);
    if (this.pending.length > this.maxPending) this.pending.splice(0, this.pending.length - this.maxPending);
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      const res = await fetch(new URL('/api/v1/router/stats', this.serverUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: JSON.stringify({ buckets: batch }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (res.status >= 500 || res.status === 429) throw new Error(`stats push answered ${res.status}`);
      // A 4xx means the batch itself is refused; keeping it would block every later push.
      if (!res.ok) throw new Error(`stats push refused: ${res.status} ${await res.text()}`);
    } catch (e) {
      if (!(e instanceof Error && e.message.startsWith('stats push refused'))) this.pending = batch.concat(this.pending);
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.pending.length) await this.push([]).catch(() => {});
  }
}
