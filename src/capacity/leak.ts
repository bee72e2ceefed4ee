/**
 * Memory-leak detection after a deploy, from a revision's memory samples (RSS, or heap): is the
 * memory floor rising steadily? Garbage-collected processes draw saw teeth — memory climbs between
 * collections and drops after — so the samples are cut into blocks (default 1 minute) and each
 * block's minimum, the floor after a collection, is what trends. The Mann–Kendall test says
 * whether the floors rise monotonically; the Theil–Sen slope (robust to the odd late collection)
 * says how fast, with its interval; the projected time to the memory limit follows. Pure.
 */
import { formatDurationMs } from '../core/duration';
import { mannKendall, theilSen } from '../core/stats/trend';

export interface MemorySample {
  tMs: number;
  bytes: number;
}

export interface LeakOptions {
  /** Block length, ms: longer than the collection cycle. Default 60 s. */
  blockMs?: number;
  /** Blocks needed before anything is said. Default 10. */
  minBlocks?: number;
  /** One-sided Mann–Kendall level. Default 0.001: a deploy is watched for hours, false alarms add up. */
  alpha?: number;
  /** Slower than this is not a finding, bytes per minute. Default 256 KiB/min. */
  minSlopeBytesPerMinute?: number;
  /** The instance's memory limit, for the time to exhaustion. */
  limitBytes?: number;
  /** The previous revision's slope, bytes per minute: a finding needs to be faster than it too. */
  previousSlopeBytesPerMinute?: number;
}

export interface LeakVerdict {
  leak: boolean;
  /** The floor's growth, bytes per minute (Theil–Sen over the block minima), with its 95% interval. */
  slopeBytesPerMinute: number;
  lower: number;
  upper: number;
  pUp: number;
  blocks: number;
  /** Latest floor, bytes. */
  floorBytes: number;
  /** When the floor reaches `limitBytes` at this slope, ms from the last sample; null without a limit or a leak. */
  timeToLimitMs: number | null;
  reason: string;
}

const MB = 1024 * 1024;

/** Block minima: [block start, minimum] for every block with at least one sample, in time order. */
export function blockFloors(samples: readonly MemorySample[], blockMs: number): { tMs: number; bytes: number }[] {
  const byBlock = new Map<number, number>();
  for (const s of samples) {
    const b = Math.floor(s.tMs / blockMs) * blockMs;
    byBlock.set(b, Math.min(byBlock.get(b) ?? Number.POSITIVE_INFINITY, s.bytes));
  }
  return [...byBlock.entries()].sort((a, b) => a[0] - b[0]).map(([tMs, bytes]) => ({ tMs, bytes }));
}

export function detectLeak(samples: readonly MemorySample[], o: LeakOptions = {}): LeakVerdict {
  const blockMs = o.blockMs ?? 60_000;
  const floors = blockFloors(samples, blockMs);
  // The last block may be partial: its minimum is not yet a floor.
  const full = floors.length > 1 ? floors.slice(0, -1) : floors;
  const minBlocks = o.minBlocks ?? 10;
  const base = { blocks: full.length, floorBytes: full.at(-1)?.bytes ?? Number.NaN, timeToLimitMs: null };
  if (full.length < minBlocks)
    return {
      ...base,
      leak: false,
      slopeBytesPerMinute: Number.NaN,
      lower: Number.NaN,
      upper: Number.NaN,
      pUp: 1,
      reason: `${full.length} of ${minBlocks} blocks so far`,
    };
  const mk = mannKendall(full.map((f) => f.bytes));
  const ts = theilSen(
    full.map((f) => f.tMs / 60_000),
    full.map((f) => f.bytes),
  );
  const alpha = o.alpha ?? 0.001;
  const minSlope = o.minSlopeBytesPerMinute ?? 256 * 1024;
  const prev = o.previousSlopeBytesPerMinute;
  const faster = prev === undefined || ts.lower > Math.max(0, prev);
  const leak = mk.pUp < alpha && ts.slope >= minSlope && ts.lower > 0 && faster;
  const floor = full.at(-1)!.bytes;
  const last = samples.reduce((m, s) => Math.max(m, s.tMs), 0);
  const timeToLimitMs = leak && o.limitBytes !== undefined ? Math.max(0, ((o.limitBytes - floor) / ts.slope) * 60_000 - (last - full.at(-1)!.tMs)) : null;
  const rate = `${(ts.slope / MB).toFixed(2)} MB/min (95% ${(ts.lower / MB).toFixed(2)}–${(ts.upper / MB).toFixed(2)})`;
  return {
    leak,
    slopeBytesPerMinute: ts.slope,
    lower: ts.lower,
    upper: ts.upper,
    pUp: mk.pUp,
    blocks: full.length,
    floorBytes: floor,
    timeToLimitMs,
    reason: leak
      ? `the memory floor rises ${rate} over ${formatDurationMs(full.length * blockMs)} (Mann–Kendall p = ${mk.pUp.toExponential(1)})${prev !== undefined ? `, the previous revision's ${(prev / MB).toFixed(2)} MB/min` : ''}${timeToLimitMs !== null ? `; the limit is reached in ${Math.round(timeToLimitMs / 60_000)} min` : ''}`
      : mk.pUp >= alpha
        ? `no steady rise of the memory floor (p = ${mk.pUp.toFixed(3)}, ${rate})`
        : !faster
          ? `the floor rises ${rate}, no faster than the previous revision's ${((prev ?? 0) / MB).toFixed(2)} MB/min`
          : `the floor rises ${rate}, below ${(minSlope / MB).toFixed(2)} MB/min`,
  };
}
