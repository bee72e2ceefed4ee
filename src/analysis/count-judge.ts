/**
 * HOOKS.countJudge: the sequential judge over error counts, for callers that keep their own
 * state between intervals (guarded flag rollouts). Reads the AnalysisTemplate from the store.
 */
import type { ServerContext } from '../core/capability';
import type { CountJudge } from '../core/hooks';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { analysisTemplateSpecSchema, type AnalysisTemplateSpec } from './analysis-template';
import { sequentialStep, type SequentialState } from './sequential-judge';

export function countJudge(ctx: ServerContext): CountJudge {
  async function template(name: string): Promise<AnalysisTemplateSpec | undefined> {
    const stored = await ctx.resources.get(SHIPGATE_API_VERSION, 'AnalysisTemplate', name);
    if (!stored) return undefined;
    const r = analysisTemplateSpecSchema.safeParse(stored.manifest.spec);
    return r.success ? r.data : undefined;
  }
  return {
    async template(name) {
      const spec = await template(name);
      return spec ? { intervalMs: spec.interval } : undefined;
    },
    async step(name, state, iv) {
      const spec = await template(name);
      if (!spec) return undefined;
      const settings = { ...spec.sequential, latency: { ...spec.sequential.latency, enabled: false } };
      const r = sequentialStep(settings, (state as SequentialState | null) ?? null, {
        baseline: { ...iv.baseline, latencyMs: [] },
        canary: { ...iv.canary, latencyMs: [] },
      });
      return { verdict: r.verdict, reason: r.reason, state: r.state };
    },
  };
}
