/**
 * RFC 5545 recurrence rules (RRULE) expanded in an IANA time zone with luxon, so "every Saturday
 * 22:00 Europe/Paris" stays at 22:00 local across daylight-saving changes. Supported: FREQ
 * (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL, BYDAY (with ordinals for MONTHLY/YEARLY), BYMONTHDAY
 * (negative from the month's end), BYMONTH, BYHOUR, BYMINUTE, COUNT, UNTIL. Week start is Monday.
 * Invalid dates (31 February) are skipped as the RFC says; a local time that does not exist
 * (inside a spring-forward gap) moves forward by the gap's length. Pure.
 *
 * Why not the `rrule` package: with TZID it returns "floating" dates that callers must reread in
 * the zone themselves, which is where daylight-saving mistakes creep in; the subset change windows
 * use is this one file over luxon, which is already a dependency, and its table tests pin the DST
 * cases (rrule.test.ts).
 */
import { DateTime } from 'luxon';
import { InputError } from './errors';

export type Frequency = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

export interface WeekdaySpec {
  /** 1 = Monday … 7 = Sunday (ISO, as luxon). */
  weekday: number;
  /** 1 = first, −1 = last … within the month (MONTHLY, or YEARLY with BYMONTH) or the year. */
  ordinal?: number;
}

export interface RRule {
  freq: Frequency;
  interval: number;
  byDay: WeekdaySpec[];
  byMonthDay: number[];
  byMonth: number[];
  byHour: number[];
  byMinute: number[];
  count?: number;
  /** Last allowed start, ms since epoch (inclusive). */
  untilMs?: number;
}

const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

function bad(message: string, path = 'rrule'): never {
  throw new InputError(`invalid recurrence rule: ${message}`, [{ path, message }]);
}

function intList(v: string, name: string, min: number, max: number, allowNegative = false): number[] {
  return v.split(',').map((s) => {
    if (!/^[+-]?\d+$/.test(s)) bad(`${name}: "${s}" is not a number`);
    const n = Number(s);
    const abs = Math.abs(n);
    if ((n < 0 && !allowNegative) || abs < min || abs > max) bad(`${name}: ${s} is out of range`);
    return n;
  });
}

/** Parses `FREQ=WEEKLY;BYDAY=SA;BYHOUR=22` (an optional `RRULE:` prefix is accepted). */
export function parseRRule(text: string, zone = 'UTC'): RRule {
  const body = text.trim().replace(/^RRULE:/i, '');
  if (!body) bad('empty');
  const parts = new Map<string, string>();
  for (const p of body.split(';')) {
    const [k, v] = p.split('=');
    if (!k || v === undefined || v === '') bad(`"${p}" is not NAME=VALUE`);
    const key = k.toUpperCase();
    if (parts.has(key)) bad(`${key} given twice`);
    parts.set(key, v.toUpperCase());
  }
  const known = ['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYHOUR', 'BYMINUTE', 'COUNT', 'UNTIL', 'WKST'];
  for (const k of parts.keys()) if (!known.includes(k)) bad(`${k} is not supported (supported: ${known.join(', ')})`);
  const freq = parts.get('FREQ');
  if (!freq) bad('FREQ is required');
  if (!['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(freq)) bad(`FREQ=${freq} is not supported (DAILY, WEEKLY, MONTHLY, YEARLY)`);
  if (parts.has('WKST') && parts.get('WKST') !== 'MO') bad('only WKST=MO is supported');
  if (parts.has('COUNT') && parts.has('UNTIL')) bad('COUNT and UNTIL cannot both be given');

  const byDay: WeekdaySpec[] = (parts.get('BYDAY')?.split(',') ?? []).map((s) => {
    const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(s);
    if (!m) bad(`BYDAY: "${s}" is not a weekday such as MO, 2TU or -1FR`);
    const ordinal = m[1] ? Number(m[1]) : undefined;
    if (ordinal !== undefined) {
      if (ordinal === 0 || Math.abs(ordinal) > 53) bad(`BYDAY: ordinal ${ordinal} is out of range`);
      if (freq !== 'MONTHLY' && freq !== 'YEARLY') bad('BYDAY ordinals are only allowed with FREQ=MONTHLY or YEARLY');
    }
    return { weekday: DAYS.indexOf(m[2]) + 1, ordinal };
  });

  let untilMs: number | undefined;
  const until = parts.get('UNTIL');
  if (until) {
    const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(until);
    if (!m) bad(`UNTIL: "${until}" is not YYYYMMDD or YYYYMMDDTHHMMSSZ`);
    const [, y, mo, d, h, mi, s, z] = m;
    const dt = h
      ? DateTime.fromObject({ year: +y, month: +mo, day: +d, hour: +h, minute: +mi, second: +s }, { zone: z ? 'UTC' : zone })
      : DateTime.fromObject({ year: +y, month: +mo, day: +d }, { zone }).endOf('day');
    if (!dt.isValid) bad(`UNTIL: "${until}" is not a valid date`);
    untilMs = dt.toMillis();
  }

  const interval = parts.has('INTERVAL') ? intList(parts.get('INTERVAL')!, 'INTERVAL', 1, 1000)[0] : 1;
  const count = parts.has('COUNT') ? intList(parts.get('COUNT')!, 'COUNT', 1, 100_000)[0] : undefined;
  return {
    freq: freq as Frequency,
    interval,
    byDay,
    byMonthDay: parts.has('BYMONTHDAY') ? intList(parts.get('BYMONTHDAY')!, 'BYMONTHDAY', 1, 31, true) : [],
    byMonth: parts.has('BYMONTH') ? intList(parts.get('BYMONTH')!, 'BYMONTH', 1, 12) : [],
    byHour: parts.has('BYHOUR') ? intList(parts.get('BYHOUR')!, 'BYHOUR', 0, 23) : [],
    byMinute: parts.has('BYMINUTE') ? intList(parts.get('BYMINUTE')!, 'BYMINUTE', 0, 59) : [],
    count,
    untilMs,
  };
}

interface Ymd {
  year: number;
  month: number;
  day: number;
}

function daysInMonth(year: number, month: number): number {
  return DateTime.utc(year, month, 1).daysInMonth!;
}

function weekdayOf(d: Ymd): number {
  return DateTime.utc(d.year, d.month, d.day).weekday;
}

/** Days of one month picked by BYMONTHDAY and/or BYDAY (intersection when both), or `fallbackDay`. */
function daysInMonthFor(rule: RRule, year: number, month: number, fallbackDay: number): Ymd[] {
  const dim = daysInMonth(year, month);
  let days: number[] | undefined;
  if (rule.byMonthDay.length) {
    days = rule.byMonthDay.map((d) => (d > 0 ? d : dim + d + 1)).filter((d) => d >= 1 && d <= dim);
  }
  if (rule.byDay.length) {
    const byDay = new Set<number>();
    for (const spec of rule.byDay) {
      const matching: number[] = [];
      for (let d = 1; d <= dim; d++) if (weekdayOf({ year, month, day: d }) === spec.weekday) matching.push(d);
      if (spec.ordinal === undefined) matching.forEach((d) => byDay.add(d));
      else {
        const d = spec.ordinal > 0 ? matching[spec.ordinal - 1] : matching[matching.length + spec.ordinal];
        if (d !== undefined) byDay.add(d);
      }
    }
    days = days ? days.filter((d) => byDay.has(d)) : [...byDay];
  }
  if (!days) days = fallbackDay <= dim ? [fallbackDay] : [];
  return [...new Set(days)].sort((a, b) => a - b).map((day) => ({ year, month, day }));
}

/** Days of one year for YEARLY rules with BYDAY and neither BYMONTH nor BYMONTHDAY (ordinals count in the year). */
function daysInYearByDay(rule: RRule, year: number): Ymd[] {
  const out = new Map<string, Ymd>();
  const first = DateTime.utc(year, 1, 1);
  const total = first.daysInYear!;
  for (const spec of rule.byDay) {
    const matching: Ymd[] = [];
    for (let i = 0; i < total; i++) {
      const d = first.plus({ days: i });
      if (d.weekday === spec.weekday) matching.push({ year, month: d.month, day: d.day });
    }
    const chosen = spec.ordinal === undefined ? matching : [spec.ordinal > 0 ? matching[spec.ordinal - 1] : matching[matching.length + spec.ordinal]];
    for (const d of chosen) if (d) out.set(`${d.month}-${d.day}`, d);
  }
  return [...out.values()].sort((a, b) => a.month - b.month || a.day - b.day);
}

/** The days of period number `p` (0 = the one holding dtstart). */
function periodDays(rule: RRule, start: DateTime, p: number): Ymd[] {
  const n = p * rule.interval;
  const monthOk = (d: Ymd) => !rule.byMonth.length || rule.byMonth.includes(d.month);
  switch (rule.freq) {
    case 'DAILY': {
      const d = DateTime.utc(start.year, start.month, start.day).plus({ days: n });
      const ymd = { year: d.year, month: d.month, day: d.day };
      const dim = d.daysInMonth!;
      if (rule.byMonthDay.length && !rule.byMonthDay.some((x) => (x > 0 ? x : dim + x + 1) === d.day)) return [];
      if (rule.byDay.length && !rule.byDay.some((s) => s.weekday === d.weekday)) return [];
      return monthOk(ymd) ? [ymd] : [];
    }
    case 'WEEKLY': {
      const monday = DateTime.utc(start.year, start.month, start.day)
        .minus({ days: start.weekday - 1 })
        .plus({ weeks: n });
      const weekdays = rule.byDay.length ? [...new Set(rule.byDay.map((s) => s.weekday))].sort() : [start.weekday];
      return weekdays
        .map((w) => monday.plus({ days: w - 1 }))
        .map((d) => ({ year: d.year, month: d.month, day: d.day }))
        .filter(monthOk);
    }
    case 'MONTHLY': {
      const m = DateTime.utc(start.year, start.month, 1).plus({ months: n });
      if (!monthOk({ year: m.year, month: m.month, day: 1 })) return [];
      return daysInMonthFor(rule, m.year, m.month, start.day);
    }
    case 'YEARLY': {
      const year = start.year + n;
      if (rule.byMonth.length)
        return rule.byMonth
          .slice()
          .sort((a, b) => a - b)
          .flatMap((mo) => daysInMonthFor(rule, year, mo, start.day));
      if (rule.byMonthDay.length) return Array.from({ length: 12 }, (_, i) => i + 1).flatMap((mo) => daysInMonthFor(rule, year, mo, start.day));
      if (rule.byDay.length) return daysInYearByDay(rule, year);
      return start.day <= daysInMonth(year, start.month) ? [{ year, month: start.month, day: start.day }] : [];
    }
  }
}

export interface ExpandInput {
  rule: RRule | string;
  /** First occurrence, local wall time in `timeZone`, e.g. `2026-03-07T22:00`. */
  dtstart: string;
  /** IANA time zone, e.g. `Europe/Paris`. */
  timeZone: string;
  /** Only occurrences starting at or after this, ms. */
  fromMs: number;
  /** Only occurrences starting before this, ms. */
  toMs: number;
  /** Safety bound on occurrences returned. */
  limit?: number;
}

/** Start times (ms since epoch, ascending) of the occurrences in [fromMs, toMs). */
export function expandRRule(input: ExpandInput): number[] {
  const start = DateTime.fromISO(input.dtstart, { zone: input.timeZone });
  if (!start.isValid) bad(`dtstart "${input.dtstart}" in "${input.timeZone}": ${start.invalidExplanation ?? start.invalidReason}`, 'start');
  const rule = typeof input.rule === 'string' ? parseRRule(input.rule, input.timeZone) : input.rule;
  const startMs = start.toMillis();
  const hours = rule.byHour.length ? [...rule.byHour].sort((a, b) => a - b) : [start.hour];
  const minutes = rule.byMinute.length ? [...rule.byMinute].sort((a, b) => a - b) : [start.minute];
  const limit = input.limit ?? 10_000;
  const out: number[] = [];
  let emitted = 0;
  // Bounded by the range end (or UNTIL): periods that match nothing still advance towards it.
  const unit = ({ DAILY: 'days', WEEKLY: 'weeks', MONTHLY: 'months', YEARLY: 'years' } as const)[rule.freq];
  const anchor0 = DateTime.utc(start.year, start.month, start.day).startOf(
    unit === 'weeks' ? 'week' : unit === 'days' ? 'day' : unit === 'months' ? 'month' : 'year',
  );
  const stopMs = Math.min(input.toMs, rule.untilMs ?? Infinity) + 15 * 3600_000; // UTC anchors vs. any zone offset
  for (let p = 0; p < 1_000_000; p++) {
    if (anchor0.plus({ [unit]: p * rule.interval }).toMillis() > stopMs) return out;
    const days = periodDays(rule, start, p);
    const candidates: number[] = [];
    for (const d of days) {
      for (const hour of hours) {
        for (const minute of minutes) {
          const dt = DateTime.fromObject({ ...d, hour, minute }, { zone: input.timeZone });
          if (dt.isValid) candidates.push(dt.toMillis());
        }
      }
    }
    candidates.sort((a, b) => a - b);
    for (const t of candidates) {
      if (t < startMs) continue;
      if (rule.untilMs !== undefined && t > rule.untilMs) return out;
      if (t >= input.toMs) return out;
      emitted++;
      if (t >= input.fromMs) {
        out.push(t);
        if (out.length >= limit) return out;
      }
      if (rule.count !== undefined && emitted >= rule.count) return out;
    }
  }
  return out;
}
