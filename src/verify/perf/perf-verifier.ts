/**
 * The `perf` evidence verifier: the server receives the baseline and candidate result files as
 * text and recomputes the verdict with the same pure code as `shipgate verify perf` (same seed,
 * same resamples). `rerun` (cannot decide) is recorded as a failing verification.
 */
import { z } from 'zod';
import { InputError } from '../../core/errors';
import type { Verifier } from '../verifier';
import { comparePerf, DEFAULT_RESAMPLES, DEFAULT_SEED } from './perf-gate';
import { PERF_METRICS, readPerfFile } from './perf-readers';

/** 5 MiB per file, as a request body can carry (src/api/app.ts). */
const namedText = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(255)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the pattern refuses
    .regex(/^[^\u0000-\u001f]+$/, 'expected a file name without control characters'),
  text: z.string().max(5 * 1024 * 1024),
});

const perfInput = z.strictObject({
  baseline: z.array(namedText).min(1).max(200),
  candidate: z.array(namedText).min(1).max(200),
  metric: z.enum(PERF_METRICS).default('p95'),
  maxRegressionPercent: z.number().min(0).max(1000).default(10),
  confidencePercent: z.number().min(50).max(99.9).default(95),
  resamples: z.number().int().min(100).max(100_000).default(DEFAULT_RESAMPLES),
  seed: z.number().int().min(0).max(0xffffffff).default(DEFAULT_SEED),
  command: z.string().max(10_000).optional(),
});

/** Samples one recording may bring to the server, over all its files. */
export const SERVER_SAMPLE_BUDGET = 2_000_000;

export const perfVerifier: Verifier<z.infer<typeof perfInput>> = {
  kind: 'perf',
  input: perfInput,
  texts: (i) => Object.fromEntries([...i.baseline.map((f) => [`baseline:${f.name}`, f.text]), ...i.candidate.map((f) => [`candidate:${f.name}`, f.text])]),
  run(i) {
    // The files are bounded by the body limit, but a load result's histogram is not: a few bytes
    // can claim billions of samples. One budget for every file of the request.
    let budget = SERVER_SAMPLE_BUDGET;
    const read = (f: { name: string; text: string }) => {
      const r = readPerfFile(f.text, f.name, { command: i.command, maxHistogramValues: Math.max(0, budget) });
      budget -= r.samplesMs?.length ?? 0;
      if (budget < 0)
        throw new InputError(`the result files hold more than ${SERVER_SAMPLE_BUDGET} samples in all; the server reads at most that many`, [
          { path: 'input', message: 'too many samples' },
        ]);
      return r;
    };
    const result = comparePerf(i.baseline.map(read), i.candidate.map(read), {
      metric: i.metric,
      maxRegression: i.maxRegressionPercent / 100,
      confidence: i.confidencePercent / 100,
      resamples: i.resamples,
      seed: i.seed,
    });
    return { verdict: result.verdict === 'pass' ? 'pass' : 'fail', summary: `${result.verdict}: ${result.message}`, result };
  },
};
