/**
 * The TrafficEvent kind: a launch or campaign that multiplies a service's traffic while it lasts,
 * once (`start`..`end`) or recurring (`rrule` occurrences of `duration` from `start`), in an IANA
 * time zone; every service unless `services` names some. Forecasts raise the hours it overlaps
 * (by the overlapped fraction) and divide past occurrences out of the history they fit.
 * `eventFactors` is pure; RRULE is the one grammar of src/core/rrule.ts.
 */
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { parseDurationMs } from '../core/duration';
import { SHIPGATE_API_VERSION, resourceName, type KindDefinition } from '../core/kinds';
import { expandRRule, parseRRule } from '../core/rrule';

const localTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'expected a local wall time such as 2026-12-10T09:00');

/** When something happens: once (`start`..`end`) or recurring (`rrule` occurrences of `duration` from `start`), in an IANA zone. */
export const whenFields = {
  /** First (or only) occurrence's start, local wall time in `timeZone`. */
  start: localTime,
  /** End of a one-off occurrence, local wall time in `timeZone`. */
  end: localTime.optional(),
  /** RFC 5545 recurrence from `start`, e.g. `FREQ=WEEKLY;BYDAY=FR`; each occurrence lasts `duration`. */
  rrule: z.string().min(1).max(500).optional(),
  duration: z.string().max(50).optional(),
  timeZone: z.string().default('UTC'),
};
export type When = { start: string; end?: string; rrule?: string; duration?: string; timeZone: string };

/** The checks `whenFields` need beyond their types (zone, one of end or rrule + duration, order). */
export function checkWhen(s: When, c: z.RefinementCtx): void {
  if (!IANAZone.isValidZone(s.timeZone)) c.addIssue({ code: 'custom', path: ['timeZone'], message: `"${s.timeZone}" is not an IANA time zone` });
  if ((s.end === undefined) === (s.rrule === undefined))
    c.addIssue({ code: 'custom', path: ['end'], message: 'set either end (a one-off event) or rrule with duration (a recurring one)' });
  if (s.rrule !== undefined) {
    if (s.duration === undefined) c.addIssue({ code: 'custom', path: ['duration'], message: 'a recurring event needs duration, e.g. "8h"' });
    else {
      try {
        if (!(parseDurationMs(s.duration) > 0)) throw new Error('not positive');
      } catch (e) {
        c.addIssue({ code: 'custom', path: ['duration'], message: `invalid duration: ${(e as Error).message}` });
      }
    }
    try {
      parseRRule(s.rrule, s.timeZone);
    } catch (e) {
      c.addIssue({ code: 'custom', path: ['rrule'], message: (e as Error).message });
    }
  } else if (s.duration !== undefined) c.addIssue({ code: 'custom', path: ['duration'], message: 'duration goes with rrule; a one-off event states end' });
  if (s.end !== undefined && IANAZone.isValidZone(s.timeZone)) {
    const a = DateTime.fromISO(s.start, { zone: s.timeZone });
    const b = DateTime.fromISO(s.end, { zone: s.timeZone });
    if (!a.isValid || !b.isValid || b <= a) c.addIssue({ code: 'custom', path: ['end'], message: 'end must be a valid time after start' });
  }
}

export const trafficEventSpec = z
  .strictObject({
    type: z.enum(['launch', 'campaign']).default('campaign'),
    /** Traffic during an occurrence is this many times the forecast (e.g. 2.5). */
    multiplier: z.number().positive().max(1000),
    ...whenFields,
    /** Services it affects; every service when absent. */
    services: z.array(resourceName).min(1).optional(),
  })
  .superRefine(checkWhen);
export type TrafficEventSpec = z.infer<typeof trafficEventSpec>;

export const TRAFFIC_EVENT_KIND = 'TrafficEvent';

export const trafficEventKind: KindDefinition<TrafficEventSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: TRAFFIC_EVENT_KIND,
  names: ['trafficevent', 'trafficevents', 'te'],
  spec: trafficEventSpec as never,
  description: 'a launch or campaign that multiplies traffic while it lasts (once, or by RRULE): capacity forecasts raise its hours',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'type', value: (m) => m.spec.type },
    { header: 'multiplier', value: (m) => m.spec.multiplier },
    { header: 'when', value: (m) => (m.spec.rrule ? `${m.spec.rrule} for ${m.spec.duration}` : `${m.spec.start}..${m.spec.end}`) },
    { header: 'services', value: (m) => m.spec.services?.join(',') ?? '*' },
  ],
};

/** Occurrences [startMs, endMs) of `e` overlapping [fromMs, toMs). */
export function occurrences(e: When, fromMs: number, toMs: number): [number, number][] {
  if (e.end !== undefined) {
    const a = DateTime.fromISO(e.start, { zone: e.timeZone }).toMillis();
    const b = DateTime.fromISO(e.end, { zone: e.timeZone }).toMillis();
    return a < toMs && b > fromMs ? [[a, b]] : [];
  }
  const dur = parseDurationMs(e.duration!);
  return expandRRule({ rule: e.rrule!, dtstart: e.start, timeZone: e.timeZone, fromMs: fromMs - dur, toMs, limit: 5_000 })
    .map((s): [number, number] => [s, s + dur])
    .filter(([, b]) => b > fromMs);
}

/** Whether `e` applies to `service`. */
export const appliesTo = (e: TrafficEventSpec, service: string) => e.services === undefined || e.services.includes(service);

/**
 * Per slot [starts[i], starts[i] + slotMs): the product over events of 1 + (multiplier − 1) × the
 * fraction of the slot an occurrence covers.
 */
export function eventFactors(events: readonly TrafficEventSpec[], starts: readonly number[], slotMs: number): number[] {
  const f = starts.map(() => 1);
  if (!starts.length) return f;
  const from = starts[0];
  const to = starts[starts.length - 1] + slotMs;
  for (const e of events) {
    const cover = starts.map(() => 0);
    for (const [a, b] of occurrences(e, from, to)) {
      const i0 = Math.max(0, Math.floor((a - from) / slotMs));
      for (let i = i0; i < starts.length && starts[i] < b; i++) {
        const overlap = Math.min(b, starts[i] + slotMs) - Math.max(a, starts[i]);
        if (overlap > 0) cover[i] = Math.min(1, cover[i] + overlap / slotMs);
      }
    }
    cover.forEach((c, i) => {
      f[i] *= 1 + (e.multiplier - 1) * c;
    });
  }
  return f;
}
