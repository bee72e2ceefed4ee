/**
 * Runs a load test: the open-loop scheduler (open-loop.ts) sends each arrival of the schedule
 * (loadtest-schedule.ts) at its time through the keep-alive client (../replay/replay-client.ts),
 * and this file keeps the books — the latency of every answered request from its scheduled time
 * into an HDR histogram (../load-result.ts), answers by status class, failures by kind, and one
 * row per second of the schedule. A progress callback sees a snapshot once a second.
 *
 * Error classes, as the router counts them: `errors` = no answer (refused, reset) + timeouts +
 * 5xx + dropped (the client was saturated: counted, and reported apart); a 4xx is an answer,
 * counted on its own.
 */
import { performance } from 'node:perf_hooks';
import type * as hdr from 'hdr-histogram-js';
import { latencyHistogram, MAX_SAMPLES, recordLatency } from '../load-result';
import { ReplayClient, type ReplayResponse } from '../replay/replay-client';
import { runOpenLoop, type OpenLoopResult } from './open-loop';

/** One request a run can send. */
export interface LoadRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface LoadRunOptions {
  target: string;
  arrivals: Iterable<number>;
  /** The request for arrival `index` (a scenario's weighted pick, or the one fixed request). */
  requestFor: (index: number) => LoadRequest;
  timeoutMs: number;
  headers?: Record<string, string>;
  maxInFlight: number;
  /**
   * Keep-alive connections at most. A request due while all are busy waits for one in the client
   * (its latency still counts from its scheduled time); unbounded, a generator that fell behind
   * opens thousands of connections at once and the connection storm makes it fall further behind.
   */
  connections: number;
  /** See OpenLoopOptions.spinMs. */
  spinMs?: number;
  signal?: AbortSignal;
  /** Called about once a second while the run is going. */
  onProgress?: (p: LoadProgress) => void;
}

export interface LoadProgress {
  elapsedMs: number;
  sent: number;
  /** Sends per second over the last interval. */
  currentRps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  inFlight: number;
  dropped: number;
}

/** One second of the schedule (by scheduled time). */
export interface LoadSecond {
  second: number;
  /** Arrivals due in this second that were sent. */
  sent: number;
  dropped: number;
  /** Of those sent: no answer, timeout or 5xx. */
  errors: number;
  status4xx: number;
}

export interface LoadCounts {
  /** Requests with an answer (any status): their latency is in the histogram. */
  answered: number;
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  /** No answer: refused, reset, closed early. */
  noAnswer: number;
  timeouts: number;
  dropped: number;
  /** no answer + timeouts + 5xx + dropped. */
  errors: number;
}

export interface LoadRunResult {
  loop: Omit<OpenLoopResult, 'lagHistogram'>;
  histogram: hdr.Histogram;
  /** Raw latencies, ms, when the run answered at most MAX_SAMPLES requests (else more than that, and unused). */
  samplesMs: number[];
  counts: LoadCounts;
  statuses: Record<string, number>;
  errorMessages: Record<string, number>;
  timeline: LoadSecond[];
  /** CPU time of this process during the run (user + system), milliseconds. */
  cpuMs: { user: number; system: number };
}

const q = (h: hdr.Histogram, p: number) => (h.totalCount ? Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000 : 0);

/** Runs the schedule; resolves when every sent request was answered or timed out. */
export async function runLoad(o: LoadRunOptions): Promise<LoadRunResult> {
  const client = new ReplayClient(o.target, { timeoutMs: o.timeoutMs, headers: o.headers, keepBodies: false, maxSockets: o.connections });
  const histogram = latencyHistogram();
  const samplesMs: number[] = [];
  const counts: LoadCounts = { answered: 0, status2xx: 0, status3xx: 0, status4xx: 0, status5xx: 0, noAnswer: 0, timeouts: 0, dropped: 0, errors: 0 };
  const statuses = new Map<number, number>();
  const errorMessages = new Map<string, number>();
  const timeline: LoadSecond[] = [];
  const second = (offsetMs: number): LoadSecond => {
    const s = Math.floor(offsetMs / 1000);
    for (let i = timeline.length; i <= s; i++) timeline.push({ second: i, sent: 0, dropped: 0, errors: 0, status4xx: 0 });
    return timeline[s]!;
  };
  let inFlight = 0;
  let sent = 0;
  const record = (r: ReplayResponse, row: LoadSecond) => {
    statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    if (r.status === 0) {
      if (r.timedOut) counts.timeouts++;
      else counts.noAnswer++;
      counts.errors++;
      row.errors++;
      const m = (r.error ?? 'error').replace(/\d+ ms/, 'N ms');
      errorMessages.set(m, (errorMessages.get(m) ?? 0) + 1);
      return;
    }
    counts.answered++;
    recordLatency(histogram, r.latencyMs);
    if (samplesMs.length <= MAX_SAMPLES) samplesMs.push(r.latencyMs);
    const cls = Math.floor(r.status / 100);
    if (cls === 2) counts.status2xx++;
    else if (cls === 3) counts.status3xx++;
    else if (cls === 4) {
      counts.status4xx++;
      row.status4xx++;
    } else if (cls >= 5) {
      counts.status5xx++;
      counts.errors++;
      row.errors++;
    }
  };

  const start = performance.now();
  const cpu0 = process.cpuUsage();
  let lastTick = start;
  let lastSent = 0;
  const timer = o.onProgress
    ? setInterval(() => {
        const now = performance.now();
        o.onProgress!({
          elapsedMs: now - start,
          sent,
          currentRps: ((sent - lastSent) * 1000) / Math.max(1, now - lastTick),
          p50Ms: q(histogram, 50),
          p99Ms: q(histogram, 99),
          errors: counts.errors,
          inFlight,
          dropped: counts.dropped,
        });
        lastTick = now;
        lastSent = sent;
      }, 1000)
    : undefined;
  try {
    const loop = await runOpenLoop({
      arrivals: o.arrivals,
      maxInFlight: o.maxInFlight,
      spinMs: o.spinMs,
      signal: o.signal,
      onDrop: (_i, offsetMs) => {
        counts.dropped++;
        counts.errors++;
        second(offsetMs).dropped++;
      },
      send: async (i, scheduledAtMs, offsetMs) => {
        const row = second(offsetMs);
        row.sent++;
        sent++;
        inFlight++;
        try {
          const r = o.requestFor(i);
          record(await client.send(r.method, r.path, scheduledAtMs, r.headers, r.body), row);
        } finally {
          inFlight--;
        }
      },
    });
    const cpu = process.cpuUsage(cpu0);
    const { lagHistogram: _lag, ...loopOut } = loop;
    return {
      loop: loopOut,
      histogram,
      samplesMs,
      counts,
      statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b).map(([k, v]) => [k === 0 ? 'error' : String(k), v])),
      errorMessages: Object.fromEntries(errorMessages),
      timeline,
      cpuMs: { user: cpu.user / 1000, system: cpu.system / 1000 },
    };
  } finally {
    if (timer) clearInterval(timer);
    client.close();
  }
}
