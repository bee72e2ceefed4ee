/** Settings of the `sequential` judge, validated with zod; every field has a default. */
import { z } from 'zod';

export const directionSchema = z.enum(['increase', 'decrease', 'either']);
export type Direction = z.infer<typeof directionSchema>;

export const sequentialSettingsSchema = z.object({
  /**
   * Bound on the probability that a run fails a canary whose change is harmless (within each
   * metric's harmless share of the minimum effect), over the whole run however long (Ville's
   * inequality; split across the tests). Canaries no worse than the baseline fail far less often.
   */
  falseFailureRate: z.number().gt(0).lt(0.5).default(0.05),
  /**
   * Share of falseFailureRate given to the error-rate test when latency is judged too; the latency
   * tests split the rest. Latency tests see every sample and need little of it.
   */
  errorRateShare: z.number().gt(0).lt(1).default(0.8),
  /**
   * Bound on the probability of passing a canary that regresses by at least the minimum effect:
   * the looks after every interval and the one look at the planned end share it (endShare).
   */
  falsePassRate: z.number().gt(0).lt(0.5).default(0.05),
  /**
   * The end-of-analysis rule. A run that reaches its planned end (the template's count or maximum
   * duration) undecided passes when, for every metric, a fixed-sample test over all intervals
   * rules out a regression of the minimum effect at endShare × falsePassRate (stratified by
   * interval, one-sided, normal approximation). One planned look is far more powerful than a
   * confidence sequence at the same level, so healthy canaries at modest traffic pass instead of
   * ending inconclusive. `endShare: 0` turns the rule off (sequential looks keep the whole budget).
   */
  endShare: z.number().min(0).lt(1).default(0.5),
  /** Below these cumulative counts the verdict is `continue` ("need more data"). */
  minCanaryRequests: z.number().int().nonnegative().default(100),
  minBaselineRequests: z.number().int().nonnegative().default(100),
  /** Minimum canary latency samples before latency can decide. */
  minCanaryLatencySamples: z.number().int().nonnegative().default(50),
  errorRate: z
    .object({
      enabled: z.boolean().default(true),
      direction: directionSchema.default('increase'),
      /**
       * A regression is at least this ratio canary/baseline … (2: the error rate doubles). The
       * minimum effect sets how much traffic a decision needs: at 100 canary requests a minute and
       * a 1% error rate, 20 minutes rule out a doubling in most healthy canaries, not a +50%.
       */
      minRatio: z.number().gt(1).default(2),
      /** … and at least this absolute difference of rates (0.001 = 0.1 percentage points). */
      minAbsolute: z.number().nonnegative().lt(1).default(0.001),
      /**
       * Share of the minimum effect, on a log scale, that is certainly harmless: "fail" needs
       * evidence against a change this large, not merely against "no change" (0.15: ratio 2 → 1.11).
       */
      harmlessShare: z.number().min(0).lt(1).default(0.15),
    })
    .prefault({}),
  latency: z
    .object({
      enabled: z.boolean().default(true),
      direction: directionSchema.default('increase'),
      /** A regression is at least this relative change of latency (0.1 = +10%, or −10% for `decrease`). */
      minRelative: z.number().gt(0).lt(1).default(0.1),
      /** Quantiles compared (0..1), each with its own test. */
      quantiles: z.array(z.number().gt(0).lt(1)).min(1).default([0.5, 0.9]),
      /** As for the error rate (0.5: +10% → +4.9%, so +3% never counts against the canary). */
      harmlessShare: z.number().min(0).lt(1).default(0.5),
    })
    .prefault({}),
});

export type SequentialSettings = z.infer<typeof sequentialSettingsSchema>;
export type SequentialSettingsInput = z.input<typeof sequentialSettingsSchema>;

/** Settings with defaults filled in. */
export function sequentialSettings(input: SequentialSettingsInput = {}): SequentialSettings {
  return sequentialSettingsSchema.parse(input);
}
