/**
 * The replay plan: which logged requests are sent and when. Pure: records and options in, a
 * schedule (offsets in milliseconds from the start) out.
 *
 * Pacing: `x1` (default) keeps the recorded arrival offsets; requests logged within one second
 * (combined/common logs have second resolution) are spread evenly within it, so a burst of 500 in
 * one logged second becomes one every 2 ms, not 500 at once. `x2` halves every offset, `x0.5`
 * doubles it; `500/s` ignores the log's times and sends at a fixed rate, cycling through the log
 * when `--duration` asks for more than it holds.
 */
import type { LogRecord } from './access-log';

export type Rate = { kind: 'scale'; factor: number } | { kind: 'fixed'; rps: number };

/** Methods replayed by default: the idempotent ones, safe to send to a production-like target. */
export const IDEMPOTENT_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;

/** `x1`, `x2`, `x0.5`, `500/s` → a Rate, or undefined when the text is none of these. */
export function parseRate(text: string): Rate | undefined {
  const t = text.trim().toLowerCase();
  let m = /^x(\d+(?:\.\d+)?)$/.exec(t);
  if (m) {
    const factor = Number(m[1]);
    return factor > 0 && factor <= 1000 ? { kind: 'scale', factor } : undefined;
  }
  m = /^(\d+(?:\.\d+)?)\/s$/.exec(t);
  if (m) {
    const rps = Number(m[1]);
    return rps > 0 && rps <= 1_000_000 ? { kind: 'fixed', rps } : undefined;
  }
  return undefined;
}

export interface PlannedRequest {
  /** Milliseconds after the start of the replay. */
  offsetMs: number;
  method: string;
  target: string;
  /** The log record it replays. */
  record: LogRecord;
}

export interface PlanOptions {
  rate: Rate;
  /** Methods to keep (upper case); `undefined` keeps all (`--all-methods`). */
  methods?: readonly string[];
  /** Stop scheduling at this offset (exclusive). */
  durationMs?: number;
  maxRequests?: number;
}

export interface ReplayPlan {
  requests: PlannedRequest[];
  /** Records not replayed because of their method, per method. */
  skippedMethods: Record<string, number>;
  /** Offset of the last request plus one inter-arrival gap, milliseconds: the schedule's length. */
  spanMs: number;
  /** Mean scheduled rate, requests per second (null for fewer than two requests). */
  targetRps: number | null;
}

/**
 * Recorded arrival offsets with each logged second's requests spread evenly within it. Records are
 * taken in time order; ties keep log order.
 */
export function recordedOffsets(records: readonly LogRecord[]): { record: LogRecord; offsetMs: number }[] {
  const sorted = records.map((record, i) => ({ record, i })).sort((a, b) => a.record.timeMs - b.record.timeMs || a.i - b.i);
  if (sorted.length === 0) return [];
  const t0 = sorted[0]!.record.timeMs;
  const out: { record: LogRecord; offsetMs: number }[] = [];
  for (let i = 0; i < sorted.length; ) {
    const r = sorted[i]!.record;
    let j = i + 1;
    // A group: the records sharing one coarse timestamp (a logged second, or minute).
    if (r.resolutionMs > 1) while (j < sorted.length && sorted[j]!.record.timeMs === r.timeMs && sorted[j]!.record.resolutionMs === r.resolutionMs) j++;
    const n = j - i;
    for (let k = 0; k < n; k++) out.push({ record: sorted[i + k]!.record, offsetMs: r.timeMs - t0 + (r.resolutionMs > 1 ? (k * r.resolutionMs) / n : 0) });
    i = j;
  }
  return out.sort((a, b) => a.offsetMs - b.offsetMs);
}

/** The schedule for `records` under `options`. */
export function planReplay(records: readonly LogRecord[], options: PlanOptions): ReplayPlan {
  const allowed = options.methods ? new Set(options.methods.map((m) => m.toUpperCase())) : undefined;
  const skippedMethods: Record<string, number> = {};
  const kept: LogRecord[] = [];
  for (const r of records) {
    if (allowed && !allowed.has(r.method)) skippedMethods[r.method] = (skippedMethods[r.method] ?? 0) + 1;
    else kept.push(r);
  }
  const max = options.maxRequests ?? Number.POSITIVE_INFINITY;
  const end = options.durationMs ?? Number.POSITIVE_INFINITY;
  const requests: PlannedRequest[] = [];
  let gapMs = 0;
  if (options.rate.kind === 'fixed') {
    gapMs = 1000 / options.rate.rps;
    const ordered = recordedOffsets(kept).map((x) => x.record);
    // Cycles through the log only when a duration bounds the run; otherwise each record once.
    const total = ordered.length === 0 ? 0 : options.durationMs !== undefined ? Math.min(max, Math.ceil(end / gapMs)) : Math.min(max, ordered.length);
    for (let i = 0; i < total; i++) {
      const offsetMs = i * gapMs;
      if (offsetMs >= end) break;
      const record = ordered[i % ordered.length]!;
      requests.push({ offsetMs, method: record.method, target: record.target, record });
    }
  } else {
    const factor = options.rate.factor;
    for (const { record, offsetMs: o } of recordedOffsets(kept)) {
      const offsetMs = o / factor;
      if (offsetMs >= end || requests.length >= max) break;
      requests.push({ offsetMs, method: record.method, target: record.target, record });
    }
    if (requests.length > 1) gapMs = requests[requests.length - 1]!.offsetMs / (requests.length - 1);
  }
  const last = requests.length ? requests[requests.length - 1]!.offsetMs : 0;
  const spanMs = requests.length ? last + gapMs : 0;
  return { requests, skippedMethods, spanMs, targetRps: requests.length > 1 && spanMs > 0 ? (requests.length * 1000) / spanMs : null };
}
