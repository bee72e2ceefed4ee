/**
 * OpenSLO's duration shorthand, as its spec defines it (one number, one unit, calendar units
 * allowed): windows, budgeting periods, Sloth periods. Shipgate's own fields use the one grammar
 * of src/core/duration.ts, whose fixed units these share.
 */
import { InputError } from '../core/errors';
import { UNIT_MS } from '../core/duration';

/** Units of the OpenSLO duration shorthand: s, m (minute), h, d, w, M (month), Q (quarter), Y (year). */
export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'M' | 'Q' | 'Y';

/** A parsed duration such as `2w` or `1M`. Months, quarters and years have no fixed length. */
export interface Duration {
  amount: number;
  unit: DurationUnit;
}

const FIXED_MS: Record<string, number> = { s: UNIT_MS.s!, m: UNIT_MS.m!, h: UNIT_MS.h!, d: UNIT_MS.d!, w: UNIT_MS.w! };

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
export function nominalMs(d: Duration): number {
  return d.amount * NOMINAL_MS[d.unit];
}

/** Parses and converts in one step. */
export function parseDurationMs(text: string, path?: string): number {
  return nominalMs(parseDuration(text, path));
}
