/**
 * The load generator's arrival schedule: a constant arrival rate, or stages ramping linearly from
 * one rate to the next (k6's ramping-arrival-rate), as arrival offsets in milliseconds for the
 * open-loop scheduler (open-loop.ts). Pure.
 *
 * Arrival k (k = 0, 1, …) is due when the integral of the rate reaches k. On a stage that goes
 * from r0 to r1 requests/s over T seconds the integral is r0·t + (r1 − r0)·t²/(2T); its inverse is
 * taken in the form 2n / (r0 + √(r0² + 2an)), which stays exact when a (the slope) is zero or
 * negative and when r0 is zero.
 */
import { parseDurationMs } from '../../core/duration';

/** Most requests per second a run may ask for. */
export const MAX_RATE = 50_000;
/** Longest run, milliseconds. */
export const MAX_DURATION_MS = 3_600_000;

/** One ramp stage: over `durationMs`, the rate moves linearly to `targetRps`. */
export interface Stage {
  durationMs: number;
  targetRps: number;
}

/** `500/s`, `500` or `30/m` → requests per second; undefined when the text is none of these or out of bounds. */
export function parseRatePerSecond(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(?:\/\s*(s|m))?$/.exec(text.trim().toLowerCase());
  if (!m) return undefined;
  const rps = Number(m[1]) / (m[2] === 'm' ? 60 : 1);
  return rps >= 0 && rps <= MAX_RATE ? rps : undefined;
}

/**
 * `10s:100/s,30s:500/s` → stages; throws an Error naming the bad stage (the CLI turns it into exit 2).
 * At most 100 stages.
 */
export function parseStages(text: string): Stage[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length > 100) throw new Error(`at most 100 stages, got ${parts.length}`);
  return parts.map((part, i) => {
    const m = /^([^:]+):(.+)$/.exec(part);
    const durationMs = m ? parseDurationMs(m[1]!) : Number.NaN;
    const targetRps = m ? parseRatePerSecond(m[2]!) : undefined;
    if (!m || !Number.isFinite(durationMs) || durationMs <= 0 || targetRps === undefined)
      throw new Error(`stage ${i + 1} "${part}": expected DURATION:RATE such as 30s:500/s (rate at most ${MAX_RATE}/s)`);
    return { durationMs, targetRps };
  });
}

/**
 * The stages of a whole run: the ramp from `startRps` through `stages`, then the last rate held
 * until `durationMs` when that is longer (a plain `--rate --duration` run is one flat stage).
 */
export function runStages(startRps: number, stages: readonly Stage[], durationMs?: number): Stage[] {
  const out = stages.length ? [...stages] : [];
  const rampMs = out.reduce((s, x) => s + x.durationMs, 0);
  const last = out.length ? out[out.length - 1]!.targetRps : startRps;
  if (durationMs !== undefined && durationMs > rampMs) out.push({ durationMs: durationMs - rampMs, targetRps: last });
  return out;
}

/** Expected arrivals over the stages (the integral of the rate), for the report's target rate. */
export function expectedArrivals(startRps: number, stages: readonly Stage[]): number {
  let r0 = startRps;
  let n = 0;
  for (const s of stages) {
    n += ((r0 + s.targetRps) / 2) * (s.durationMs / 1000);
    r0 = s.targetRps;
  }
  return n;
}

/** The scheduled rate at `offsetMs`, requests per second. */
export function rateAt(startRps: number, stages: readonly Stage[], offsetMs: number): number {
  let r0 = startRps;
  let t0 = 0;
  for (const s of stages) {
    if (offsetMs < t0 + s.durationMs) return r0 + ((s.targetRps - r0) * (offsetMs - t0)) / s.durationMs;
    t0 += s.durationMs;
    r0 = s.targetRps;
  }
  return r0;
}

/** Arrival offsets (ms, non-decreasing, all below the stages' total length), lazily. */
export function* arrivalOffsets(startRps: number, stages: readonly Stage[]): Generator<number> {
  let r0 = startRps;
  let t0Ms = 0;
  // Arrivals so far are those k with k < base; `base` is the integral of the rate up to t0.
  let base = 0;
  let k = 0;
  for (const s of stages) {
    const T = s.durationMs / 1000;
    const r1 = s.targetRps;
    const a = (r1 - r0) / T;
    const count = ((r0 + r1) / 2) * T;
    while (k < base + count) {
      const n = k - base;
      const disc = r0 * r0 + 2 * a * n;
      const root = Math.sqrt(Math.max(0, disc));
      const t = n === 0 ? 0 : (2 * n) / (r0 + root);
      const offset = t0Ms + Math.min(t * 1000, s.durationMs);
      if (offset >= t0Ms + s.durationMs) break;
      yield offset;
      k++;
    }
    base += count;
    t0Ms += s.durationMs;
    r0 = r1;
  }
}
