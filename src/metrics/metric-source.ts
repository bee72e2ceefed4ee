/**
 * The MetricSource port: reads one query as a series of values per step. Adapters are chosen
 * from a registry by `type` (OpenSLO `metricSource.type`, lowercase).
 */

/** What to read. `spec` is the adapter's own (OpenSLO `metricSource.spec`). */
export interface MetricSourceQuery {
  spec: Record<string, unknown>;
  /** Connection details of the referenced DataSource (e.g. `url`). */
  connection?: Record<string, unknown>;
  /** `sum`: events per step (counts); `value`: one measured value per step (ratio, latency…). */
  aggregation: 'sum' | 'value';
  /** OpenSLO `counter`: the source holds cumulative counters (the adapter turns them into increments). */
  counter?: boolean;
  /** First step start, ms (inclusive). */
  fromMs: number;
  /** End, ms (exclusive); a multiple of stepMs from fromMs. */
  toMs: number;
  stepMs: number;
}

/**
 * Phases as in Argo Rollouts' analysis: `Successful` data, `Inconclusive` (no data at all),
 * `Error` (the source failed: unreachable, bad query). Providers never throw for their own faults.
 */
export type MeasurementPhase = 'Successful' | 'Inconclusive' | 'Error';

export interface Measurement {
  phase: MeasurementPhase;
  /** One value per step (NaN = no data), length (toMs − fromMs) / stepMs. */
  values: Float64Array;
  /** Why, for Error and Inconclusive. */
  message?: string;
}

export interface MetricSource {
  /** Registry key, lowercase. */
  readonly type: string;
  /** Idempotent read; never throws for provider faults (returns phase Error). */
  query(q: MetricSourceQuery): Promise<Measurement>;
}

/** Adapters by type. */
export class MetricSourceRegistry {
  private readonly byType = new Map<string, MetricSource>();
  register(source: MetricSource): void {
    this.byType.set(source.type.toLowerCase(), source);
  }
  get(type: string): MetricSource | undefined {
    return this.byType.get(type.toLowerCase());
  }
  types(): string[] {
    return [...this.byType.keys()];
  }
}

/** Number of steps of a query. */
export function stepCount(q: Pick<MetricSourceQuery, 'fromMs' | 'toMs' | 'stepMs'>): number {
  return Math.max(0, Math.ceil((q.toMs - q.fromMs) / q.stepMs));
}

/** A measurement that failed, with NaN values. */
export function errorMeasurement(q: Pick<MetricSourceQuery, 'fromMs' | 'toMs' | 'stepMs'>, message: string, phase: MeasurementPhase = 'Error'): Measurement {
  return { phase, values: new Float64Array(stepCount(q)).fill(Number.NaN), message };
}
