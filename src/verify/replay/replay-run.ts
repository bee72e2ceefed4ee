/**
 * Runs a replay plan: the open-loop scheduler (../load/open-loop.ts) sends each planned request at
 * its time to the candidate and, when given, to the baseline and the noise baseline at the same
 * moment; latency is measured from the scheduled time. Each side's measurements become a load
 * result (../load-result.ts); with a baseline, every answered request is compared
 * (replay-diff.ts). No I/O beyond the origins it is given.
 */
import type * as hdr from 'hdr-histogram-js';
import { buildLoadResult, latencyHistogram, MAX_SAMPLES, recordLatency, type LoadResult } from '../load-result';
import { runOpenLoop, type OpenLoopResult } from '../load/open-loop';
import { ksTwoSample, type KsResult } from '../../core/stats/ks';
import { ReplayClient, type ReplayClientOptions, type ReplayResponse } from './replay-client';
import { endpointOf, ReplayDiffAccumulator, type DiffReport, type FieldPattern } from './replay-diff';
import type { ReplayPlan } from './replay-plan';

export interface ReplayRunOptions extends ReplayClientOptions {
  target: string;
  baseline?: string;
  noise?: string;
  ignore?: FieldPattern[];
  maxInFlight?: number;
  /** See OpenLoopOptions.spinMs. */
  spinMs?: number;
  /** Replay the log's recorded headers (JSON logs) as well as `--header`. Default true. */
  logHeaders?: boolean;
}

/** One side's (candidate, baseline, noise) bookkeeping. */
class Side {
  readonly histogram: hdr.Histogram = latencyHistogram();
  readonly samples: number[] = [];
  requests = 0;
  /** No response (timeout, refused, reset) or a 5xx. */
  errors = 0;
  transportErrors = 0;
  readonly statuses = new Map<number, number>();
  readonly errorMessages = new Map<string, number>();

  constructor(readonly client: ReplayClient) {}

  record(r: ReplayResponse): void {
    this.requests++;
    this.statuses.set(r.status, (this.statuses.get(r.status) ?? 0) + 1);
    if (r.status === 0) {
      this.transportErrors++;
      const m = (r.error ?? 'error').replace(/\d+ ms/, 'N ms');
      this.errorMessages.set(m, (this.errorMessages.get(m) ?? 0) + 1);
    }
    if (r.status === 0 || r.status >= 500) this.errors++;
    else {
      recordLatency(this.histogram, r.latencyMs);
      if (this.samples.length < MAX_SAMPLES) this.samples.push(r.latencyMs);
    }
  }

  result(loop: OpenLoopResult, targetRps: number | null, dropped: number): LoadResult {
    // Dropped requests count as requests and errors (a gate must see them), and the duration is
    // chosen so that requests / duration is the achieved send rate (the send window plus one gap).
    const n = this.requests + dropped;
    return buildLoadResult({
      target: this.client.origin,
      startedAtMs: loop.startedAtMs,
      durationMs: loop.sent > 1 && loop.achievedRps ? (n * 1000) / loop.achievedRps : loop.elapsedMs,
      requests: n,
      errors: this.errors + dropped,
      targetRps,
      histogram: this.histogram,
      samplesMs: this.samples,
    });
  }
}

export interface SideSummary {
  statuses: Record<string, number>;
  transportErrors: number;
  errorMessages: Record<string, number>;
}

export interface ReplayRunResult {
  loop: Omit<OpenLoopResult, 'lagHistogram'>;
  candidate: LoadResult;
  candidateSummary: SideSummary;
  baseline?: LoadResult;
  baselineSummary?: SideSummary;
  noise?: LoadResult;
  diff?: DiffReport;
  /** Candidate vs baseline latency distributions (KS test over the kept samples). */
  latencyTest?: KsResult;
}

const summary = (s: Side): SideSummary => ({
  statuses: Object.fromEntries([...s.statuses].sort(([a], [b]) => a - b).map(([k, v]) => [k === 0 ? 'error' : String(k), v])),
  transportErrors: s.transportErrors,
  errorMessages: Object.fromEntries(s.errorMessages),
});

/** Replays `plan`; resolves when every request has been answered or has timed out. */
export async function runReplay(plan: ReplayPlan, o: ReplayRunOptions): Promise<ReplayRunResult> {
  const clientOptions: ReplayClientOptions = {
    timeoutMs: o.timeoutMs,
    maxBodyBytes: o.maxBodyBytes,
    headers: o.headers,
    maxSockets: o.maxSockets,
    // Bodies are read only to be compared.
    keepBodies: o.baseline !== undefined,
  };
  const candidate = new Side(new ReplayClient(o.target, clientOptions));
  const baseline = o.baseline ? new Side(new ReplayClient(o.baseline, clientOptions)) : undefined;
  const noise = baseline && o.noise ? new Side(new ReplayClient(o.noise, clientOptions)) : undefined;
  const diff = baseline ? new ReplayDiffAccumulator(o.ignore ?? []) : undefined;
  let dropped = 0;
  try {
    const loop = await runOpenLoop({
      arrivals: (function* () {
        for (const r of plan.requests) yield r.offsetMs;
      })(),
      maxInFlight: o.maxInFlight,
      spinMs: o.spinMs,
      onDrop: () => dropped++,
      send: async (i, scheduledAtMs) => {
        const p = plan.requests[i]!;
        const headers = o.logHeaders === false ? undefined : p.record.headers;
        const [c, b, n] = await Promise.all([
          candidate.client.send(p.method, p.target, scheduledAtMs, headers),
          baseline?.client.send(p.method, p.target, scheduledAtMs, headers),
          noise?.client.send(p.method, p.target, scheduledAtMs, headers),
        ]);
        candidate.record(c);
        if (b) baseline!.record(b);
        if (n) noise!.record(n);
        if (diff && b) diff.add(endpointOf(p.method, p.target, p.record.route), p.target, b, c, n);
      },
    });
    const { lagHistogram: _lag, ...loopOut } = loop;
    return {
      loop: loopOut,
      candidate: candidate.result(loop, plan.targetRps, dropped),
      candidateSummary: summary(candidate),
      ...(baseline ? { baseline: baseline.result(loop, plan.targetRps, dropped), baselineSummary: summary(baseline) } : {}),
      ...(noise ? { noise: noise.result(loop, plan.targetRps, dropped) } : {}),
      ...(diff ? { diff: diff.report(), latencyTest: ksTwoSample(baseline!.samples, candidate.samples) } : {}),
    };
  } finally {
    candidate.client.close();
    baseline?.client.close();
    noise?.client.close();
  }
}
