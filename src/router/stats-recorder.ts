import { BUCKET_MS, type CodeClass, type RouterBucket } from '../metrics/types';
import { bucketIndex, type HistogramCounts } from '../metrics/latency-histogram';

/**
 * Where finished stats go. File mode keeps them in memory only (the recorder holds recent
 * buckets for /stats and /metrics); server mode pushes them to the control plane; the
 * in-process router hands them to the metrics service. Buckets are deltas: buckets with the same
 * (route, version, startMs, mirror) add up.
 */
export interface StatsSink {
  push(buckets: RouterBucket[]): void | Promise<void>;
  close?(): Promise<void>;
}

interface Acc {
  startMs: number;
  counts: Record<string, number>;
  latency: HistogramCounts;
  n: number;
}

const newAcc = (startMs: number): Acc => ({ startMs, counts: {}, latency: {}, n: 0 });

/** Recent 10-second buckets kept per series for /stats (one hour). */
const RECENT_BUCKETS = 360;

/** Counts of one route and version (or of its mirror copies). Recording is allocation-free within a bucket. */
export class StatsSeries {
  /** Cumulative counts by class since start (Prometheus counters). */
  readonly totals: Record<string, number> = {};
  /** Cumulative latency histogram since start, ms. */
  readonly totalLatency: HistogramCounts = {};
  /** Cumulative sum of latencies, ms. */
  totalLatencyMs = 0;
  private current: Acc = newAcc(0);
  private pending: Acc = newAcc(0);
  readonly recent: RouterBucket[] = [];

  constructor(
    readonly route: string,
    readonly version: string,
    readonly mirror: boolean,
    private readonly ready: RouterBucket[],
  ) {}

  /** Records one request's outcome and latency (ms) at `nowMs`. */
  record(cls: CodeClass, latencyMs: number, nowMs: number): void {
    const start = nowMs - (nowMs % BUCKET_MS);
    if (start !== this.current.startMs) {
      if (this.current.n > 0) this.keepRecent(this.current);
      this.current = newAcc(start);
    }
    if (start !== this.pending.startMs) {
      this.takePending();
      this.pending.startMs = start;
    }
    const i = bucketIndex(latencyMs);
    this.current.counts[cls] = (this.current.counts[cls] ?? 0) + 1;
    this.current.latency[i] = (this.current.latency[i] ?? 0) + 1;
    this.current.n++;
    this.pending.counts[cls] = (this.pending.counts[cls] ?? 0) + 1;
    this.pending.latency[i] = (this.pending.latency[i] ?? 0) + 1;
    this.pending.n++;
    this.totals[cls] = (this.totals[cls] ?? 0) + 1;
    this.totalLatency[i] = (this.totalLatency[i] ?? 0) + 1;
    this.totalLatencyMs += latencyMs;
  }

  /** Moves the counts recorded since the last flush to the ready list. */
  takePending(): void {
    if (this.pending.n > 0) {
      this.ready.push(this.toBucket(this.pending));
      this.pending = newAcc(this.pending.startMs);
    }
  }

  private keepRecent(a: Acc): void {
    this.recent.push(this.toBucket(a));
    if (this.recent.length > RECENT_BUCKETS) this.recent.shift();
  }

  private toBucket(a: Acc): RouterBucket {
    const b: RouterBucket = { route: this.route, version: this.version, startMs: a.startMs, counts: { ...a.counts }, latency: { ...a.latency } };
    if (this.mirror) b.mirror = true;
    return b;
  }

  /** Recent buckets, oldest first, including the one in progress. */
  buckets(): RouterBucket[] {
    return this.current.n > 0 ? [...this.recent, this.toBucket(this.current)] : [...this.recent];
  }

  requests(): number {
    let n = 0;
    for (const v of Object.values(this.totals)) n += v;
    return n;
  }
}

/**
 * Per route and version stats in 10-second buckets (RouterBucket), flushed to a sink as deltas
 * every `flushMs`.
 */
export class StatsRecorder {
  private readonly byKey = new Map<string, StatsSeries>();
  private readonly ready: RouterBucket[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly sink?: StatsSink,
    private readonly onSinkError: (e: unknown) => void = () => {},
  ) {}

  /** The series of a route and version, created on first use (hold on to it on the hot path). */
  series(route: string, version: string, mirror = false): StatsSeries {
    const key = `${route}\u0000${version}\u0000${mirror ? 'm' : ''}`;
    let s = this.byKey.get(key);
    if (!s) {
      s = new StatsSeries(route, version, mirror, this.ready);
      this.byKey.set(key, s);
    }
    return s;
  }

  all(): StatsSeries[] {
    return [...this.byKey.values()];
  }

  /** Hands every delta recorded so far to the sink. */
  async flush(): Promise<void> {
    for (const s of this.byKey.values()) s.takePending();
    if (this.ready.length === 0 || !this.sink) {
      this.ready.length = 0;
      return;
    }
    const batch = this.ready.splice(0, this.ready.length);
    try {
      await this.sink.push(batch);
    } catch (e) {
      this.onSinkError(e);
    }
  }

  /** Flushes every `flushMs` until close(). */
  startFlushing(flushMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    await this.sink?.close?.();
  }
}
