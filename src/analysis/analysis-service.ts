/**
 * Runs analysis runs for rollouts: the AnalysisStep contract (src/core/hooks.ts). Each call judges
 * every interval that has ended since the last call, reading the baseline's and the canary's
 * windows from the metrics service (or Prometheus), and stores each interval's verdict with its
 * inputs before answering. Calls are idempotent: a decided run answers the same again.
 */
import type { ServerContext } from '../core/capability';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { HOOKS, type AnalysisMeasurement, type AnalysisStep, type AnalysisStepInput, type AnalysisStepResult } from '../core/hooks';
import { BUCKET_MS } from '../metrics/types';
import { bucketUpperMs, type HistogramCounts } from '../metrics/latency-histogram';
import { PrometheusSource } from '../metrics/prometheus-source';
import { egressPolicyOf } from '../egress/egress-policy';
import { egressFetch } from '../egress/egress-request';
import { transaction, type Tx } from '../store/db';
import { finishRun, judgeInterval, newRunState, recordError, type IntervalRecord, type RunState } from './analysis-run';
import { ANALYSIS_TEMPLATE_KIND } from './analysis-kind';
import { analysisTemplateSpecSchema, type AnalysisTemplateSpec } from './analysis-template';
import { AnalysisStore, type AnalysisRunRow, type AnalysisStorePort, type StoredInput, type StoredSide } from './analysis-store';
import { INLINE_TEMPLATE, inlineTemplateSpec } from './inline-template';
import type { IntervalInput, VersionSample } from './interval-input';

/** Latency samples from histogram counts: each bucket's upper bound, as often as it was hit. */
export function histogramSamples(h: HistogramCounts): number[] {
  const out: number[] = [];
  for (const k of Object.keys(h)
    .map(Number)
    .sort((a, b) => a - b)) {
    const v = bucketUpperMs(k);
    for (let i = 0; i < h[k]; i++) out.push(v);
  }
  return out;
}

export function toIntervalInput(s: StoredInput, t?: number, durationMs?: number): IntervalInput {
  const side = (v: StoredSide): VersionSample => ({ requests: v.requests, errors: v.errors, latencyMs: histogramSamples(v.latency) });
  return { ...(t === undefined ? {} : { t }), ...(durationMs === undefined ? {} : { durationMs }), baseline: side(s.baseline), canary: side(s.canary) };
}

const RUN_PHASES = { pass: 'Successful', fail: 'Failed', inconclusive: 'Inconclusive', error: 'Error' } as const;

/** What the caller sees of one judged interval: its phase, the values it used and why. */
export function measurementOf(record: IntervalRecord, atMs: number): AnalysisMeasurement | undefined {
  if (!record.phase) return undefined;
  const values: Record<string, number> = {};
  const baselineValues: Record<string, number> = {};
  for (const m of record.threshold ?? []) {
    values[m.metric] = m.result;
    baselineValues[m.metric] = m.baseline;
  }
  const reasons =
    record.phase === 'Successful'
      ? []
      : record.threshold
        ? [...new Set(record.threshold.filter((m) => m.phase !== 'Successful').map((m) => m.reason))]
        : [record.reason];
  return { atMs, phase: record.phase, requests: record.inputs.canary.requests, errors: record.inputs.canary.errors, values, baselineValues, reasons };
}

/** Reads one interval's counts for both versions; throws when the source fails. */
export type IntervalReader = (run: AnalysisRunRow, fromMs: number, toMs: number) => Promise<StoredInput>;

/** What AnalysisService stores through: its tables and one transaction per interval. */
export interface AnalysisServiceDeps {
  store: AnalysisStorePort;
  /** Runs `fn` in one transaction: an interval and the run state it leads to commit together. */
  transaction: <T>(fn: (trx: Tx) => Promise<T>) => Promise<T>;
}

/** The store-backed dependencies of a server's AnalysisService. */
export function analysisServiceDeps(ctx: ServerContext): AnalysisServiceDeps {
  return { store: new AnalysisStore(ctx.db), transaction: (fn) => transaction(ctx.db, fn) };
}

export class AnalysisService implements AnalysisStep {
  readonly store: AnalysisStorePort;
  private readonly transaction: AnalysisServiceDeps['transaction'];

  /** Wait after an interval ends before reading it, so routers have flushed its buckets, ms. */
  private readonly settleMs: number;

  constructor(
    private readonly ctx: ServerContext,
    private readonly prometheus = new PrometheusSource({ timeoutMs: 5000, fetchImpl: egressFetch(egressPolicyOf(ctx.config), 'metricSource', 5000) }),
    deps: AnalysisServiceDeps = analysisServiceDeps(ctx),
  ) {
    this.store = deps.store;
    this.transaction = deps.transaction;
    const opts = (ctx.config.options.analysis ?? {}) as { settleMs?: number };
    this.settleMs = Math.max(0, Number(opts.settleMs ?? 1500));
  }

  /**
   * The run's interval grid. Router series come in 10-second buckets, so for the builtin source
   * intervals start on a bucket boundary and last a whole number of buckets: no request is counted
   * in two intervals.
   */
  grid(run: AnalysisRunRow): { originMs: number; stepMs: number } {
    if (run.spec.metrics.source !== 'builtin' || run.spec.window === 'sinceStart') return { originMs: run.startedAtMs, stepMs: run.spec.interval };
    return { originMs: Math.ceil(run.startedAtMs / BUCKET_MS) * BUCKET_MS, stepMs: Math.ceil(run.spec.interval / BUCKET_MS) * BUCKET_MS };
  }

  async template(name: string): Promise<AnalysisTemplateSpec | undefined> {
    const r = await this.ctx.resources.get(SHIPGATE_API_VERSION, ANALYSIS_TEMPLATE_KIND, name);
    return r ? analysisTemplateSpecSchema.parse(r.manifest.spec) : undefined;
  }

  private async read(run: AnalysisRunRow, fromMs: number, toMs: number): Promise<StoredInput> {
    const m = run.spec.metrics;
    if (m.source === 'prometheus') {
      const one = async (query: string, version: string): Promise<number> => {
        const r = await this.prometheus.query({
          spec: { url: m.url, query: query.replaceAll('{{version}}', version) },
          aggregation: 'sum',
          fromMs,
          toMs,
          stepMs: toMs - fromMs,
        });
        if (r.phase === 'Error') throw new Error(r.message ?? 'Prometheus query failed');
        const v = r.values[0];
        return Number.isNaN(v) ? 0 : Math.round(v);
      };
      const side = async (version: string): Promise<StoredSide> => ({
        requests: await one(m.requestsQuery, version),
        errors: await one(m.errorsQuery, version),
        latency: {},
      });
      return { baseline: await side(run.baselineVersion), canary: await side(run.canaryVersion) };
    }
    const metrics = this.ctx.services.get(HOOKS.metrics);
    if (!metrics) throw new Error('the metrics service is not installed');
    const side = async (version: string): Promise<StoredSide> => {
      const w = await metrics.routerWindow({ route: run.route, version, fromMs, toMs });
      return { requests: w.requests, errors: w.errors, latency: w.latency };
    };
    return { baseline: await side(run.baselineVersion), canary: await side(run.canaryVersion) };
  }

  async evaluate(input: AnalysisStepInput): Promise<AnalysisStepResult> {
    const spec = input.inline ? inlineTemplateSpec(input.inline) : input.template === undefined ? undefined : await this.template(input.template);
    if (!spec)
      return {
        verdict: 'error',
        summary: input.template === undefined ? 'neither a template nor an inline analysis was given' : `AnalysisTemplate "${input.template}" not found`,
        nextIntervalMs: 5000,
      };
    const templateName = input.inline ? INLINE_TEMPLATE : input.template!;
    let run = await this.store.getRun(input.runId);
    if (!run) {
      run = {
        id: input.runId,
        template: templateName,
        service: input.service,
        environment: input.environment,
        route: input.route,
        baselineVersion: input.baselineVersion,
        canaryVersion: input.canaryVersion,
        judge: spec.judge,
        startedAtMs: input.startedAtMs,
        updatedAtMs: input.nowMs,
        verdict: null,
        decidedAt: null,
        reason: 'started',
        spec,
        state: newRunState(spec.judge),
      };
      const created = run;
      await this.transaction((trx) => this.store.insertRun(trx, created)).catch(async (e) => {
        // Another replica created it first: use theirs.
        if (!(await this.store.getRun(input.runId))) throw e;
      });
      run = (await this.store.getRun(input.runId))!;
    }
    let state = run.state;
    const { originMs, stepMs } = this.grid(run);
    // Runs stored before `window` existed have none: they read single intervals.
    const sinceStart = run.spec.window === 'sinceStart';
    const settleMs = sinceStart ? 0 : this.settleMs;
    const measurements: AnalysisMeasurement[] = [];
    while (!state.verdict) {
      const index = state.intervals;
      const toMs = originMs + (index + 1) * stepMs;
      const fromMs = sinceStart ? run.startedAtMs : toMs - stepMs;
      if (toMs + settleMs > input.nowMs || toMs - run.startedAtMs > run.spec.maxDuration) break;
      let stored: StoredInput | null = null;
      let step: { state: RunState; record: IntervalRecord };
      try {
        stored = await this.read(run, fromMs, toMs);
        step = judgeInterval(run.spec, state, toIntervalInput(stored, undefined, toMs - fromMs), toMs - run.startedAtMs);
      } catch (e) {
        step = recordError(run.spec, state, (e as Error).message, toMs - run.startedAtMs);
      }
      const next = step.state;
      await this.transaction(async (trx) => {
        await this.store.insertInterval(trx, {
          runId: run!.id,
          index,
          fromMs,
          toMs,
          verdict: step.record.verdict,
          phase: step.record.phase,
          input: stored,
          record: step.record,
        });
        await this.store.updateRun(trx, run!.id, next, input.nowMs);
      });
      state = next;
      const m = measurementOf(step.record, toMs);
      if (m) measurements.push(m);
    }
    const endMs = originMs + state.intervals * stepMs;
    if (!state.verdict && input.nowMs - run.startedAtMs >= run.spec.maxDuration) {
      const finished = finishRun(run.spec, state, endMs - run.startedAtMs, 'maximum duration reached', true);
      await this.transaction((trx) => this.store.updateRun(trx, run!.id, finished, input.nowMs));
      state = finished;
    }
    const answer = this.answer(run.spec, state, Math.max(100, endMs + stepMs + settleMs - input.nowMs));
    return { ...answer, phase: state.verdict ? RUN_PHASES[state.verdict] : 'Running', measurements };
  }

  private answer(spec: AnalysisTemplateSpec, state: RunState, nextIntervalMs: number): AnalysisStepResult {
    const details = { intervals: state.intervals, decidedAt: state.decidedAt, judge: spec.judge };
    switch (state.verdict) {
      case 'pass':
      case 'fail':
        return { verdict: state.verdict, summary: state.reason, nextIntervalMs, details };
      case 'inconclusive':
        return spec.inconclusive === 'rollback'
          ? { verdict: 'fail', summary: `inconclusive, and the template says roll back: ${state.reason}`, nextIntervalMs, details }
          : { verdict: 'inconclusive', summary: `inconclusive, held for a person: ${state.reason}`, nextIntervalMs, details };
      case 'error':
        // The metric source broke: not the release's fault, so a person decides whatever the policy.
        return { verdict: 'inconclusive', summary: `metric source error: ${state.reason}`, nextIntervalMs, details };
      default:
        return { verdict: 'continue', summary: state.reason, nextIntervalMs, details };
    }
  }
}
