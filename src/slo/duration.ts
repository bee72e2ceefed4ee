import { InputError } from '../core/errors';

/** Units of the OpenSLO duration shorthand: s, m (minute), h, d, w, M (month), Q (quarter), Y (year). */
export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'M' | 'Q' | 'Y';

/** A parsed duration such as `2w` or `1M`. Months, quarters and years have no fixed length. */
export interface Duration {
  amount: number;
  unit: DurationUnit;
}

const FIXED_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Nominal lengths used where a calendar unit must be turned into a fixed length (30-day month). */
const NOMINAL_MS: Record<string, number> = {
  ...FIXED_MS,
  M: 30 * 86_400_000,
  Q: 90 * 86_400_000,
  Y: 365 * 86_400_000,
};

const re = /^([1-9][0-9]*)(s|m|h|d|w|M|Q|Y)$/;

/** Parses `5m`, `1h`, `2w`, `1M`… Throws an InputError naming the text. */
export function parseDuration(text: string, path = 'duration'): Duration {
  const m = re.exec(String(text).trim());
  if (!m) {
    throw new InputError(`"${text}" is not a duration: use a number and one of s, m (minutes), h, d, w, M (months), Q, Y`, [
      { path, message: 'expected a duration such as 5m, 1h, 28d, 1M' },
    ]);
  }
  return { amount: Number(m[1]), unit: m[2] as DurationUnit };
}

/** True when the duration is a fixed number of milliseconds (no months, quarters, years). */
export function isFixed(d: Duration): boolean {
  return d.unit in FIXED_MS;
}

/** Length in milliseconds; calendar units count nominally (M = 30 days, Q = 90, Y = 365). */
export function durationMs(d: Duration): number {
  return d.amount * NOMINAL_MS[d.unit];
}

/** Parses and converts in one step. */
export function parseDurationMs(text: string, path?: string): number {
  return durationMs(parseDuration(text, path));
}

/** Formats milliseconds back into the largest exact shorthand unit (`90m` → `90m`, `3600000` → `1h`). */
export function formatDurationMs(ms: number): string {
  for (const u of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms % FIXED_MS[u] === 0 && ms >= FIXED_MS[u]) return `${ms / FIXED_MS[u]}${u}`;
  }
  return `${ms / 1000}s`;
}

/** Human text for a length of time: `2h 5m`, `3d 4h`, `45s`. */
export function humanDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'never';
  const neg = ms < 0;
  let rest = Math.abs(Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [u, s] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= s) {
      parts.push(`${Math.floor(rest / s)}${u}`);
      rest %= s;
    }
    if (parts.length === 2) break;
  }
  return (neg ? '-' : '') + (parts.join(' ') || '0s');
}
