/**
 * The Drill kind: which service and environment (staging by default), what to exercise (a
 * `rollback`: the serving version released again as a new revision, then rolled back under user
 * load), how often it is due (an RRULE in an IANA zone, quarterly by default) and the objectives
 * a run is judged on.
 */
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { durationMs } from '../core/duration';
import { SHIPGATE_API_VERSION, resourceName, type KindDefinition } from '../core/kinds';
import { parseRRule } from '../core/rrule';

export const DRILL_KIND = 'Drill';

export const drillSpec = z
  .strictObject({
    service: resourceName,
    environment: resourceName.default('staging'),
    exercise: z.literal('rollback').default('rollback'),
    schedule: z
      .strictObject({
        rrule: z.string().min(1).max(500).default('FREQ=MONTHLY;INTERVAL=3'),
        start: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'expected a local wall time such as 2026-01-05T10:00')
          .default('2026-01-05T10:00'),
        timeZone: z.string().default('UTC'),
      })
      .prefault({}),
    objectives: z
      .strictObject({
        /** From the rollback decision to all traffic back on the serving revision. Default 5s. */
        timeToRollback: durationMs.default(5000),
        /** Users' requests that failed (no answer, timeout, 5xx) during the drill, a fraction. Default 1%. */
        maxUserErrors: z.number().min(0).max(1).default(0.01),
      })
      .prefault({}),
    /** The user load the drill sends through the router while it runs. */
    load: z
      .strictObject({
        rate: z.number().positive().max(1000).default(20),
        duration: durationMs.default(30_000).refine((ms) => ms >= 2000 && ms <= 600_000, { message: 'from 2s to 10m' }),
        path: z
          .string()
          .regex(/^\/\S*$/, 'expected a path starting with /')
          .max(2000)
          .default('/'),
      })
      .prefault({}),
    /** The drill gives up (fails) after this long. Default 2m. */
    maxDuration: durationMs.default(120_000).refine((ms) => ms <= 1_800_000, { message: 'at most 30m' }),
  })
  .superRefine((s, c) => {
    if (!IANAZone.isValidZone(s.schedule.timeZone))
      c.addIssue({ code: 'custom', path: ['schedule', 'timeZone'], message: `"${s.schedule.timeZone}" is not an IANA time zone` });
    else
      try {
        parseRRule(s.schedule.rrule, s.schedule.timeZone);
      } catch (e) {
        c.addIssue({ code: 'custom', path: ['schedule', 'rrule'], message: (e as Error).message });
      }
  });
export type DrillSpec = z.output<typeof drillSpec>;

export const drillKind: KindDefinition<DrillSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: DRILL_KIND,
  names: ['drill', 'drills'],
  spec: drillSpec as never,
  description: 'a recovery drill of a service (a rollback under load), due by RRULE, judged on its objectives',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'service', value: (m) => `${m.spec.service}/${m.spec.environment}` },
    { header: 'exercise', value: (m) => m.spec.exercise },
    { header: 'schedule', value: (m) => m.spec.schedule.rrule },
  ],
};
