import { z } from 'zod';
import type { Issue } from '../core/errors';
import type { SeriesPoint } from './types';

/** A pushed point as users write it: `t` in unix seconds or ISO-8601. */
export const pointInput = z.strictObject({
  series: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z_][A-Za-z0-9_.:-]*$/, 'expected a series name like checkout.good')
    // `router.*` names read the router's own buckets (ShipgateMetricSource), which only routers push;
    // `synthetic.*` are the results of the server's own scheduled SyntheticChecks.
    .refine(
      (s) => !s.startsWith('router.'),
      'series names starting with "router." are the router\'s own (pushed by routers to /api/v1/router/stats); pick another name',
    )
    .refine(
      (s) => !s.startsWith('synthetic.'),
      'series names starting with "synthetic." are written by the server\'s scheduled SyntheticChecks; pick another name',
    ),
  labels: z.record(z.string().max(100), z.string().max(500)).default({}),
  t: z.union([z.number().finite().nonnegative(), z.string().min(1)]),
  value: z.number().finite(),
});
export type PointInput = z.infer<typeof pointInput>;

/** Parses `t` into ms; undefined when it is neither unix seconds nor ISO-8601. */
export function pointTimeMs(t: number | string): number | undefined {
  if (typeof t === 'number') return t * 1000;
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Validates raw points; issues name the point index (or line, via `where`). */
export function toSeriesPoints(
  raw: unknown[],
  where: (i: number) => Partial<Issue> = (i) => ({ path: `points[${i}]` }),
): { points: SeriesPoint[]; issues: Issue[] } {
  const points: SeriesPoint[] = [];
  const issues: Issue[] = [];
  raw.forEach((r, i) => {
    const p = pointInput.safeParse(r);
    if (!p.success) {
      for (const zi of p.error.issues) {
        const base = where(i);
        issues.push({ ...base, path: [base.path, ...zi.path.map(String)].filter(Boolean).join('.'), message: zi.message });
      }
      return;
    }
    const tMs = pointTimeMs(p.data.t);
    if (tMs === undefined) {
      const base = where(i);
      issues.push({ ...base, path: [base.path, 't'].filter(Boolean).join('.'), message: 'expected unix seconds or an ISO-8601 time' });
      return;
    }
    points.push({ series: p.data.series, labels: p.data.labels, tMs, value: p.data.value });
  });
  return { points, issues };
}
