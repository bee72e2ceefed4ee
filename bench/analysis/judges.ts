/** The judges as the simulations drive them: fed one interval at a time, answering pass / fail / continue. */
import { analysisTemplateSpec } from '../../src/analysis/analysis-template';
import { judgeInterval, newRunState, type RunState } from '../../src/analysis/analysis-run';
import { sequentialFinal, sequentialStep, type SequentialState } from '../../src/analysis/sequential-judge';
import { sequentialSettings, type SequentialSettingsInput } from '../../src/analysis/sequential-settings';
import { kayentaJudge } from '../../src/analysis/kayenta-judge';
import { kayentaConfig, kayentaSettingsSchema, kayentaValue } from '../../src/analysis/kayenta-settings';
import { runLimitsSchema, runPhase, type MeasurementPhase } from '../../src/analysis/run-limits';
import type { VersionSample } from '../../src/analysis/interval-input';
import { uniformSource, type SteppingJudge } from './simulate';

export function sequentialJudge(input: SequentialSettingsInput = {}): () => SteppingJudge {
  const settings = sequentialSettings(input);
  return () => {
    let state: SequentialState | null = null;
    return {
      step(iv) {
        const r = sequentialStep(settings, state, iv);
        state = r.state;
        return r.verdict;
      },
      // The planned end (the run's last interval): the end-of-analysis rule decides.
      atEnd: () => sequentialFinal(settings, state).verdict,
    };
  };
}

/**
 * Kayenta's NetflixACAJudge applied after every interval to the per-interval series so far
 * (error rate, latency p50 and p90; score thresholds pass 95, marginal 75), with Argo's default
 * limits (failureLimit 0, inconclusiveLimit 0): the first failing score fails the run, the first
 * marginal one makes it inconclusive.
 */
export function kayentaEveryInterval(): () => SteppingJudge {
  const spec = analysisTemplateSpec({ judge: 'kayenta', interval: '1m' });
  return () => {
    let state: RunState = newRunState('kayenta');
    return {
      step(iv) {
        const r = judgeInterval(spec, state, iv, (state.intervals + 1) * spec.interval);
        state = r.state;
        if (state.verdict === 'fail') return 'fail';
        if (state.verdict === 'inconclusive' || state.verdict === 'error') return 'inconclusive';
        return 'continue';
      },
      // An Argo run that reaches its count within the limits is Successful.
      atEnd: 'pass',
    };
  };
}

/**
 * Kayenta as it would read the router's 10-second buckets: each interval becomes `points` values per
 * metric and version. The interval's samples are split into `points` chunks in order (they are
 * independent draws) and its errors spread over the chunks at random like independent requests.
 * Same scoring and limits as kayentaEveryInterval.
 */
export function kayentaSubIntervalPoints(points = 6, seed = 7): () => SteppingJudge {
  const settings = kayentaSettingsSchema.parse({});
  const config = kayentaConfig(settings);
  const limits = runLimitsSchema.parse({});
  let runIndex = 0;
  return () => {
    const u = uniformSource(seed * 7919 + runIndex++);
    const series: Record<string, { baseline: number[]; canary: number[] }> = {};
    const phases: MeasurementPhase[] = [];
    const chunks = (v: VersionSample): VersionSample[] => {
      const sizes = Array.from({ length: points }, (_, i) => Math.floor(v.requests / points) + (i < v.requests % points ? 1 : 0));
      const errs = sizes.map(() => 0);
      // Errors land on requests uniformly without replacement.
      let left = v.requests;
      const remaining = [...sizes];
      for (let e = 0; e < v.errors; e++) {
        let r = Math.floor(u() * left);
        let k = 0;
        while (r >= remaining[k]) r -= remaining[k++];
        remaining[k]--;
        errs[k]++;
        left--;
      }
      let at = 0;
      return sizes.map((n, k) => {
        const latencyMs = v.latencyMs.slice(at, at + n);
        at += n;
        return { requests: n, errors: errs[k], latencyMs };
      });
    };
    return {
      step(iv) {
        const b = chunks(iv.baseline);
        const c = chunks(iv.canary);
        for (let k = 0; k < points; k++) {
          const sub = { baseline: b[k], canary: c[k] };
          for (const m of settings.metrics) {
            const s = (series[m.name] ??= { baseline: [], canary: [] });
            s.baseline.push(kayentaValue(m, sub, 'baseline'));
            s.canary.push(kayentaValue(m, sub, 'canary'));
          }
        }
        const k = kayentaJudge(config, series);
        phases.push(k.classification === 'Pass' ? 'Successful' : k.classification === 'Marginal' ? 'Inconclusive' : 'Failed');
        const run = runPhase(phases, limits, false);
        if (run.phase === 'Failed') return 'fail';
        if (run.phase === 'Inconclusive' || run.phase === 'Error') return 'inconclusive';
        return 'continue';
      },
      atEnd: 'pass',
    };
  };
}
