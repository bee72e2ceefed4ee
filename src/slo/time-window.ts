import { DateTime, type DurationLikeObject } from 'luxon';
import { InputError } from '../core/errors';
import { isFixed, nominalMs, parseDuration, type Duration } from './duration';

/** An SLO's compliance window: rolling (the last N) or calendar-aligned (this week, this month) in a time zone. */
export interface WindowSpec {
  /** OpenSLO shorthand, e.g. `28d`, `1M`. */
  duration: string;
  isRolling: boolean;
  /** For calendar windows: when periods start (local time in `timeZone`) and the IANA zone. */
  calendar?: { startTime: string; timeZone: string };
}

/** A window resolved at an instant: [fromMs, toMs) is what has elapsed, periodMs is the full length. */
export interface ResolvedWindow {
  fromMs: number;
  /** Evaluation instant (exclusive end of the data). */
  toMs: number;
  /** Start of the next period (calendar) or toMs (rolling). */
  endMs: number;
  /** Full length of the period, ms (a calendar month in its zone may be 28–31 days, DST included). */
  periodMs: number;
  /** Fraction of the period that has elapsed (1 for rolling windows). */
  elapsedFraction: number;
}

const UNIT_KEY: Record<string, keyof DurationLikeObject> = {
  s: 'seconds',
  m: 'minutes',
  h: 'hours',
  d: 'days',
  w: 'weeks',
  M: 'months',
  Q: 'quarters',
  Y: 'years',
};

function luxonDuration(d: Duration): DurationLikeObject {
  return { [UNIT_KEY[d.unit]]: d.amount };
}

/** Parses OpenSLO's calendar start time (`2022-01-01 12:00:00`, or ISO-8601) in a zone. */
export function parseCalendarStart(startTime: string, timeZone: string): DateTime {
  const zone = DateTime.now().setZone(timeZone);
  if (!zone.isValid)
    throw new InputError(`unknown time zone "${timeZone}"`, [{ path: 'calendar.timeZone', message: 'expected an IANA time zone such as Europe/Paris' }]);
  let dt = DateTime.fromFormat(startTime, 'yyyy-MM-dd HH:mm:ss', { zone: timeZone });
  if (!dt.isValid) dt = DateTime.fromISO(startTime, { zone: timeZone });
  if (!dt.isValid)
    throw new InputError(`calendar start "${startTime}" is not a date`, [{ path: 'calendar.startTime', message: 'expected "YYYY-MM-DD HH:mm:ss"' }]);
  return dt;
}

/**
 * Resolves a window at `atMs`. Rolling: [at - duration, at). Calendar: the period containing `at`,
 * periods starting at `calendar.startTime` in its zone and repeating every `duration` in local
 * time (so a monthly window starts on the same local day and hour every month, across DST).
 */
export function resolveWindow(spec: WindowSpec, atMs: number): ResolvedWindow {
  const d = parseDuration(spec.duration, 'timeWindow.duration');
  if (spec.isRolling || !spec.calendar) {
    if (isFixed(d)) {
      const len = nominalMs(d);
      return { fromMs: atMs - len, toMs: atMs, endMs: atMs, periodMs: len, elapsedFraction: 1 };
    }
    const at = DateTime.fromMillis(atMs, { zone: 'utc' });
    const from = at.minus(luxonDuration(d)).toMillis();
    return { fromMs: from, toMs: atMs, endMs: atMs, periodMs: atMs - from, elapsedFraction: 1 };
  }
  const key = `${spec.duration}|${spec.calendar.startTime}|${spec.calendar.timeZone}`;
  const hit = periodCache.get(key);
  if (hit && atMs >= hit.fromMs && atMs < hit.endMs) {
    return {
      fromMs: hit.fromMs,
      toMs: atMs,
      endMs: hit.endMs,
      periodMs: hit.endMs - hit.fromMs,
      elapsedFraction: (atMs - hit.fromMs) / (hit.endMs - hit.fromMs),
    };
  }
  const start = parseCalendarStart(spec.calendar.startTime, spec.calendar.timeZone);
  const at = DateTime.fromMillis(atMs, { zone: spec.calendar.timeZone });
  // Estimate the period index with the nominal length, then correct by stepping.
  let k = Math.floor((atMs - start.toMillis()) / nominalMs(d));
  const periodStart = (i: number) => start.plus(scale(d, i));
  while (periodStart(k).toMillis() > atMs) k--;
  while (periodStart(k + 1).toMillis() <= atMs) k++;
  const from = periodStart(k).toMillis();
  const end = periodStart(k + 1).toMillis();
  if (periodCache.size > 10_000) periodCache.clear();
  periodCache.set(key, { fromMs: from, endMs: end });
  void at;
  return { fromMs: from, toMs: atMs, endMs: end, periodMs: end - from, elapsedFraction: (atMs - from) / (end - from) };
}

/** Last calendar period resolved per window spec: ticks within a period skip the zone arithmetic. */
const periodCache = new Map<string, { fromMs: number; endMs: number }>();

function scale(d: Duration, k: number): DurationLikeObject {
  return { [UNIT_KEY[d.unit]]: d.amount * k };
}
