/**
 * The load result (`shipgate.dev/load-result/v1`): what one run of generated or replayed traffic
 * measured against one target — counts, the achieved rate, latency quantiles and the whole latency
 * distribution as an HDR histogram (microseconds, 3 significant digits). The replayer and the load
 * generator write it; the performance regression gate reads it. One schema, one reader, one writer.
 */
import * as hdr from 'hdr-histogram-js';
import { z } from 'zod';
import { InputError } from '../core/errors';

export const LOAD_RESULT_KIND = 'shipgate.dev/load-result/v1';

/** Raw samples kept in a result at most (the histogram always has them all). */
export const MAX_SAMPLES = 100_000;

const ms = z.number().finite().min(0);

export const loadResultSchema = z.object({
  kind: z.literal(LOAD_RESULT_KIND),
  target: z.string().max(2048),
  startedAt: z.iso.datetime(),
  durationMs: ms,
  requests: z.number().int().min(0),
  errors: z.number().int().min(0),
  achievedRps: ms,
  targetRps: ms.nullable().optional(),
  latencyMs: z.object({ mean: ms, p50: ms, p90: ms, p95: ms, p99: ms, max: ms }),
  histogram: z.object({ encoding: z.literal('hdr-base64'), data: z.string().max(16 * 1024 * 1024) }),
  samplesMs: z.array(ms).max(MAX_SAMPLES).optional(),
});

export type LoadResult = z.infer<typeof loadResultSchema>;

/** A latency recorder for one run: microsecond resolution, 1 µs to 1 h, 3 significant digits. */
export function latencyHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 64,
    useWebAssembly: false,
  });
}

/** Records one latency in milliseconds. */
export function recordLatency(h: hdr.Histogram, latencyMs: number): void {
  h.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
}

/** Builds the result from a run's histogram and counts. `samplesMs` are kept when at most MAX_SAMPLES. */
export function buildLoadResult(run: {
  target: string;
  startedAtMs: number;
  durationMs: number;
  requests: number;
  errors: number;
  targetRps?: number | null;
  histogram: hdr.Histogram;
  samplesMs?: number[];
}): LoadResult {
  const h = run.histogram;
  // HDR quantiles are their bucket's highest equivalent value: none is reported above the maximum.
  const q = (p: number) => (h.totalCount ? Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000 : 0);
  return {
    kind: LOAD_RESULT_KIND,
    target: run.target,
    startedAt: new Date(run.startedAtMs).toISOString(),
    durationMs: run.durationMs,
    requests: run.requests,
    errors: run.errors,
    achievedRps: run.durationMs > 0 ? (run.requests * 1000) / run.durationMs : 0,
    targetRps: run.targetRps ?? null,
    latencyMs: { mean: h.totalCount ? h.mean / 1000 : 0, p50: q(50), p90: q(90), p95: q(95), p99: q(99), max: h.totalCount ? h.maxValue / 1000 : 0 },
    histogram: { encoding: 'hdr-base64', data: hdr.encodeIntoCompressedBase64(h) },
    ...(run.samplesMs && run.samplesMs.length <= MAX_SAMPLES ? { samplesMs: run.samplesMs } : {}),
  };
}

/** Reads a load result from parsed JSON; a wrong field is an InputError naming it. */
export function readLoadResult(value: unknown, file: string): LoadResult {
  const r = loadResultSchema.safeParse(value);
  if (!r.success)
    throw new InputError(
      `${file}: not a ${LOAD_RESULT_KIND} document`,
      r.error.issues.map((i) => ({ file, path: i.path.join('.'), message: i.message })),
    );
  return r.data;
}

/**
 * The latencies of a result in milliseconds: the raw samples when kept, otherwise one value per
 * recorded count from the histogram (each at its bucket's representative value).
 */
export function latencySamples(r: LoadResult, file = 'load result', maxValues = 10_000_000): number[] {
  if (r.samplesMs) return r.samplesMs;
  let h: hdr.Histogram;
  try {
    h = hdr.decodeFromCompressedBase64(r.histogram.data, 64, false);
  } catch (e) {
    throw new InputError(`${file}: histogram.data is not an HDR histogram (${(e as Error).message})`, [
      { file, path: 'histogram.data', message: 'undecodable' },
    ]);
  }
  // A few bytes of histogram can claim billions of values: what is expanded is bounded first.
  if (h.totalCount > maxValues)
    throw new InputError(`${file}: the histogram holds ${h.totalCount} values; at most ${maxValues} are read here`, [
      { file, path: 'histogram.data', message: 'too many values' },
    ]);
  const out: number[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: hdr-histogram-js types do not expose the iterator's value fields
  const it: any = (h as any).recordedValuesIterator ?? null;
  if (it) {
    it.reset();
    while (it.hasNext()) {
      const v = it.next();
      for (let k = 0; k < v.countAtValueIteratedTo; k++) out.push(v.valueIteratedTo / 1000);
    }
    return out;
  }
  throw new InputError(`${file}: cannot iterate the histogram`, [{ file, path: 'histogram.data', message: 'unsupported histogram' }]);
}
