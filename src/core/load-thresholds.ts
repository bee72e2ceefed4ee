/**
 * k6-style pass/fail thresholds for a load test: `p(95)<300,errors<0.01,rps>900` — latency in
 * milliseconds (`p(N)`, `avg`, `med`, `min`, `max`), the error rate as a fraction or a percentage
 * (`errors`, alias `error_rate`) and the achieved rate (`rps`), each with `<`, `<=`, `>` or `>=`.
 * Pure: parsing and evaluation against measured statistics.
 *
 * A threshold with nothing to judge (no answered request for a latency metric, no request at all
 * for `errors` or `rps`) fails with the reason "no samples": an empty run never passes.
 */

export type ThresholdMetric = { kind: 'percentile'; p: number } | { kind: 'avg' | 'med' | 'min' | 'max' | 'errors' | 'rps' };
export type Comparator = '<' | '<=' | '>' | '>=';

export interface Threshold {
  /** The text as written, e.g. `p(95)<300`. */
  source: string;
  metric: ThresholdMetric;
  op: Comparator;
  /** Milliseconds for latency metrics, a fraction for errors, requests/s for rps. */
  limit: number;
}

export interface ThresholdResult {
  threshold: string;
  /** The measured value, null when there were no samples. */
  actual: number | null;
  limit: number;
  ok: boolean;
  /** Set when the threshold failed for want of samples. */
  reason?: 'no samples';
}

/** What thresholds are judged on. */
export interface ThresholdStats {
  /** Requests with an answer (their latency was recorded). */
  latencyCount: number;
  /** Latency at percentile p (0–100), milliseconds. */
  latencyAt(p: number): number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  /** Requests scheduled (sent or dropped). */
  requests: number;
  errors: number;
  achievedRps: number;
}

const METRIC = /^(?:p\((\d+(?:\.\d+)?)\)|(avg|med|min|max|errors|error_rate|rps))$/;

/** Parses a comma list; throws an Error naming the first bad threshold. */
export function parseThresholds(text: string): Threshold[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error('no threshold given; expected e.g. p(95)<300,errors<0.01');
  return parts.map(parseThreshold);
}

function parseThreshold(source: string): Threshold {
  const bad = (why: string): never => {
    throw new Error(`threshold "${source}": ${why}; expected p(N)<ms, avg<ms, med<ms, min<ms, max<ms, errors<rate or rps>N`);
  };
  const m = /^([a-z_]+(?:\([^)]*\))?)\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*(ms|s|%)?$/.exec(source.toLowerCase());
  if (!m) return bad('not METRIC<VALUE');
  const mm = METRIC.exec(m[1]!);
  if (!mm) return bad(`unknown metric "${m[1]}"`);
  let metric: ThresholdMetric;
  if (mm[1] !== undefined) {
    const p = Number(mm[1]);
    if (!(p > 0 && p <= 100)) return bad(`percentile ${mm[1]} is not in (0, 100]`);
    metric = { kind: 'percentile', p };
  } else metric = { kind: mm[2] === 'error_rate' ? 'errors' : (mm[2] as 'avg' | 'med' | 'min' | 'max' | 'errors' | 'rps') };
  let limit = Number(m[3]);
  const unit = m[4];
  if (metric.kind === 'errors') {
    if (unit === 'ms' || unit === 's') return bad('an error rate has no time unit');
    if (unit === '%') limit /= 100;
    if (limit > 1) return bad(`error rate ${m[3]} is above 1 (write 1% or 0.01)`);
  } else if (metric.kind === 'rps') {
    if (unit) return bad('rps takes a plain number of requests per second');
  } else {
    if (unit === '%') return bad('a latency is in ms or s, not %');
    if (unit === 's') limit *= 1000;
  }
  return { source, metric, op: m[2] as Comparator, limit };
}

const compare = (actual: number, op: Comparator, limit: number) =>
  op === '<' ? actual < limit : op === '<=' ? actual <= limit : op === '>' ? actual > limit : actual >= limit;

/** Judges each threshold; a metric without samples fails. */
export function evaluateThresholds(thresholds: readonly Threshold[], s: ThresholdStats): ThresholdResult[] {
  return thresholds.map((t) => {
    const latency = t.metric.kind !== 'errors' && t.metric.kind !== 'rps';
    const samples = latency ? s.latencyCount : s.requests;
    if (samples === 0) return { threshold: t.source, actual: null, limit: t.limit, ok: false, reason: 'no samples' as const };
    let actual: number;
    switch (t.metric.kind) {
      case 'percentile':
        actual = s.latencyAt(t.metric.p);
        break;
      case 'avg':
        actual = s.meanMs;
        break;
      case 'med':
        actual = s.latencyAt(50);
        break;
      case 'min':
        actual = s.minMs;
        break;
      case 'max':
        actual = s.maxMs;
        break;
      case 'errors':
        actual = s.errors / s.requests;
        break;
      case 'rps':
        actual = s.achievedRps;
        break;
    }
    return { threshold: t.source, actual, limit: t.limit, ok: compare(actual, t.op, t.limit) };
  });
}
