/** What every judge reads for one interval: the baseline's and the canary's traffic. */
import { z } from 'zod';

/** One version's traffic in one interval. */
export const versionSampleSchema = z
  .object({
    requests: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    /** That interval's latency samples, ms; may be empty. */
    latencyMs: z.array(z.number().nonnegative()).default([]),
  })
  .refine((v) => v.errors <= v.requests, { message: 'errors cannot exceed requests', path: ['errors'] });

export type VersionSample = z.infer<typeof versionSampleSchema>;

/** One interval, as in a replay file line: `{"t": seconds, "baseline": {…}, "canary": {…}}`. */
export const intervalInputSchema = z.object({
  /** Seconds since the analysis started (or any increasing clock). */
  t: z.number().optional(),
  /** Length of the window measured, ms: what a `request-rate` threshold divides by. */
  durationMs: z.number().positive().optional(),
  baseline: versionSampleSchema,
  canary: versionSampleSchema,
});

export type IntervalInput = z.infer<typeof intervalInputSchema>;
