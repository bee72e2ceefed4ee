/**
 * An open-loop request scheduler: each request leaves at its scheduled time whatever the latency of
 * the ones before it (no waiting for answers), so a slow target shows up as latency measured from
 * the scheduled time rather than as a lower send rate (the coordinated-omission trap of closed-loop
 * load tools). In-flight requests are bounded by a high cap; a request due while the cap is reached
 * is dropped and counted ("client saturated") instead of delaying the schedule.
 *
 * Timing: setTimeout to about 1 ms before the next arrival, then setImmediate turns until it is
 * due (timers alone are late by 1–4 ms; a pure busy loop would starve the sockets). After a send
 * more than 10 ms late (the process was starved of CPU, which spinning makes worse on a shared
 * machine) it sleeps instead for 1 s: lag of about 1 ms rather than stalls of hundreds. Requests
 * already due (the loop fell behind) leave at once. The scheduler records its own send lag
 * (actual minus scheduled) so the report can say what the client itself added.
 *
 * Nothing here knows what a request is: arrival offsets in, `send(index, scheduledAtMs)` out. The
 * replayer and the load generator share it.
 */
import { performance } from 'node:perf_hooks';
import type * as hdr from 'hdr-histogram-js';
import { latencyHistogram, recordLatency } from '../load-result';

export interface OpenLoopOptions {
  /** Arrival offsets in milliseconds from the start, non-decreasing (a list or a generator). */
  arrivals: Iterable<number>;
  /**
   * Sends request `index`; `scheduledAtMs` is its due time on the `performance.now()` clock, from
   * which its latency is to be measured. The returned promise settles when the request is done;
   * a rejection is counted as an error by the caller's own bookkeeping, not here. `offsetMs` is
   * its arrival offset from the start (the value `arrivals` gave).
   */
  send: (index: number, scheduledAtMs: number, offsetMs: number) => Promise<unknown>;
  /** Most requests in flight at once; beyond it a due request is dropped. Default 10,000. */
  maxInFlight?: number;
  /** Called for each dropped request, with its arrival offset. */
  onDrop?: (index: number, offsetMs: number) => void;
  /**
   * How close to a due time the loop turns setImmediate instead of sleeping, milliseconds.
   * Default 1. 0 never spins: it sleeps ≥ 1 ms and sends what is due (less CPU, about 1 ms of lag).
   */
  spinMs?: number;
  /** Stop scheduling new requests (in-flight ones are awaited). */
  signal?: AbortSignal;
}

export interface OpenLoopResult {
  /** Wall clock at the start, epoch milliseconds. */
  startedAtMs: number;
  /** `performance.now()` at the start: scheduled times are this plus the offsets. */
  originMs: number;
  /** Requests sent (not dropped). */
  sent: number;
  /** Requests due while `maxInFlight` were in flight: "dropped: client saturated". */
  dropped: number;
  /** Most requests in flight at once. */
  peakInFlight: number;
  /** Milliseconds from the start to the last send. */
  sendWindowMs: number;
  /** Milliseconds from the start until every request settled. */
  elapsedMs: number;
  /** Sends per second over the send window (first to last send), null under two sends. */
  achievedRps: number | null;
  /** Scheduled rate over the same arrivals, null under two. */
  scheduledRps: number | null;
  /** Actual minus scheduled send time, milliseconds (µs resolution). */
  sendLagMs: { p50: number; p99: number; max: number; mean: number };
  /** The lag histogram itself (µs). */
  lagHistogram: hdr.Histogram;
}

/** A send this late means the process was starved of CPU (not merely busy). */
const STARVED_MS = 10;
/** How long the loop sleeps rather than spins after a starved send, milliseconds. */
const CALM_MS = 1000;

const immediate = () => new Promise<void>((r) => setImmediate(r));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs the schedule; resolves once every sent request settled. */
export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const maxInFlight = o.maxInFlight ?? 10_000;
  const spinMs = o.spinMs ?? 1;
  let calmFrom = 0;
  const lag = latencyHistogram();
  const startedAtMs = Date.now();
  const origin = performance.now();
  let inFlight = 0;
  let peakInFlight = 0;
  let sent = 0;
  let dropped = 0;
  let firstSend = Number.NaN;
  let lastSend = Number.NaN;
  let firstDue = Number.NaN;
  let lastDue = Number.NaN;
  let scheduled = 0;
  let drained: (() => void) | undefined;
  const settle = () => {
    inFlight--;
    if (inFlight === 0 && drained) drained();
  };
  let index = 0;
  for (const offset of o.arrivals) {
    if (o.signal?.aborted) break;
    const due = origin + offset;
    let now = performance.now();
    // Spinning burns a core; on a CPU-starved machine the kernel then takes it away for tens of
    // milliseconds. After a late send (the sign of that), sleep instead of spinning for a while.
    const spin = now < calmFrom ? 0 : spinMs;
    while (due - now > spin) {
      await sleep(Math.max(1, due - now - spin));
      now = performance.now();
    }
    while (now < due) {
      await immediate();
      now = performance.now();
    }
    const i = index++;
    scheduled++;
    if (Number.isNaN(firstDue)) firstDue = due;
    lastDue = due;
    if (inFlight >= maxInFlight) {
      dropped++;
      o.onDrop?.(i, offset);
      continue;
    }
    inFlight++;
    if (inFlight > peakInFlight) peakInFlight = inFlight;
    sent++;
    recordLatency(lag, now - due);
    if (now - due > STARVED_MS) calmFrom = now + CALM_MS;
    if (Number.isNaN(firstSend)) firstSend = now;
    lastSend = now;
    let p: Promise<unknown>;
    try {
      p = o.send(i, due, offset);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(settle, settle);
  }
  if (inFlight > 0) await new Promise<void>((r) => (drained = r));
  const end = performance.now();
  // HDR quantiles are bucket upper bounds; no quantile is above the true maximum.
  const q = (p: number) => (lag.totalCount ? Math.min(lag.getValueAtPercentile(p), lag.maxValue) / 1000 : 0);
  return {
    startedAtMs,
    originMs: origin,
    sent,
    dropped,
    peakInFlight,
    sendWindowMs: Number.isNaN(lastSend) ? 0 : lastSend - origin,
    elapsedMs: end - origin,
    achievedRps: sent > 1 && lastSend > firstSend ? ((sent - 1) * 1000) / (lastSend - firstSend) : null,
    scheduledRps: scheduled > 1 && lastDue > firstDue ? ((scheduled - 1) * 1000) / (lastDue - firstDue) : null,
    sendLagMs: { p50: q(50), p99: q(99), max: lag.totalCount ? lag.maxValue / 1000 : 0, mean: lag.totalCount ? lag.mean / 1000 : 0 },
    lagHistogram: lag,
  };
}
