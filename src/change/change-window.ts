/**
 * Change windows: `freeze` (no changes but emergencies), `maintenance` (when a service's changes
 * belong) or `peak` (peak traffic hours, which raise a change's risk), one-off or recurring (RFC 5545 RRULE) in an IANA time zone, scoped by service, tier or
 * environment. Schema and occurrence expansion; pure.
 */
import { z } from 'zod';
import { DateTime } from 'luxon';
import { expandRRule, parseRRule } from '../core/rrule';
import { isDomainError } from '../core/errors';

const localTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'expected a local time YYYY-MM-DDTHH:MM (no offset: the time zone says where)');

export const changeWindowSpecSchema = z
  .strictObject({
    type: z.enum(['freeze', 'maintenance', 'peak']),
    reason: z.string().min(1).optional(),
    /** IANA time zone of `start`, `end` and the recurrence. */
    timeZone: z.string().min(1).default('UTC'),
    /** First (or only) start, local wall time. */
    start: localTime,
    /** End of a one-off window, local wall time. */
    end: localTime.optional(),
    /** Length of each occurrence, minutes (required with `rrule`). */
    durationMinutes: z
      .number()
      .int()
      .min(1)
      .max(366 * 24 * 60)
      .optional(),
    /** RFC 5545 recurrence rule, e.g. `FREQ=WEEKLY;BYDAY=SA;BYHOUR=22`. */
    rrule: z.string().min(1).optional(),
    /** Where the window applies; an empty scope applies everywhere. */
    scope: z
      .strictObject({
        services: z.array(z.string().min(1)).optional(),
        tiers: z.array(z.number().int().min(1).max(4)).optional(),
        environments: z.array(z.string().min(1)).optional(),
      })
      .default({}),
  })
  .superRefine((s, ctx) => {
    const zone = DateTime.local().setZone(s.timeZone);
    if (!zone.isValid) ctx.addIssue({ code: 'custom', path: ['timeZone'], message: `unknown IANA time zone "${s.timeZone}"` });
    if (s.end === undefined && s.durationMinutes === undefined)
      ctx.addIssue({ code: 'custom', path: ['durationMinutes'], message: 'give end (one-off) or durationMinutes' });
    if (s.end !== undefined && s.durationMinutes !== undefined)
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'give end or durationMinutes, not both' });
    if (s.rrule !== undefined && s.end !== undefined)
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'a recurring window takes durationMinutes, not end' });
    if (s.end !== undefined && zone.isValid) {
      const a = DateTime.fromISO(s.start, { zone: s.timeZone });
      const b = DateTime.fromISO(s.end, { zone: s.timeZone });
      if (!a.isValid) ctx.addIssue({ code: 'custom', path: ['start'], message: 'not a valid date' });
      else if (!b.isValid) ctx.addIssue({ code: 'custom', path: ['end'], message: 'not a valid date' });
      else if (b <= a) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
    }
    if (s.rrule !== undefined) {
      try {
        parseRRule(s.rrule, zone.isValid ? s.timeZone : 'UTC');
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['rrule'], message: isDomainError(e) ? e.message : String(e) });
      }
    }
  });
export type ChangeWindowSpec = z.infer<typeof changeWindowSpecSchema>;

export interface Interval {
  startMs: number;
  endMs: number;
}

/** Occurrences of a window that overlap [fromMs, toMs), ascending. */
export function windowOccurrences(spec: ChangeWindowSpec, fromMs: number, toMs: number): Interval[] {
  const start = DateTime.fromISO(spec.start, { zone: spec.timeZone });
  if (spec.end !== undefined) {
    const end = DateTime.fromISO(spec.end, { zone: spec.timeZone });
    const iv = { startMs: start.toMillis(), endMs: end.toMillis() };
    return iv.startMs < toMs && iv.endMs > fromMs ? [iv] : [];
  }
  const durMs = (spec.durationMinutes ?? 60) * 60_000;
  if (!spec.rrule) {
    const iv = { startMs: start.toMillis(), endMs: start.toMillis() + durMs };
    return iv.startMs < toMs && iv.endMs > fromMs ? [iv] : [];
  }
  return expandRRule({ rule: spec.rrule, dtstart: spec.start, timeZone: spec.timeZone, fromMs: fromMs - durMs + 1, toMs })
    .map((s) => ({ startMs: s, endMs: s + durMs }))
    .filter((iv) => iv.endMs > fromMs);
}

/** Whether a window applies to a change on this service, tier and environment. */
export function windowApplies(spec: Pick<ChangeWindowSpec, 'scope'>, target: { service: string; tier: number; environment: string }): boolean {
  const s = spec.scope;
  return (
    (!s.services || s.services.includes(target.service)) &&
    (!s.tiers || s.tiers.includes(target.tier)) &&
    (!s.environments || s.environments.includes(target.environment))
  );
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.startMs < b.endMs && b.startMs < a.endMs;
}
