/** The `AnalysisTemplate` kind. */
import { SHIPGATE_API_VERSION, type KindDefinition } from '../core/kinds';
import { analysisTemplateSpecSchema, type AnalysisTemplateSpec } from './analysis-template';

export const ANALYSIS_TEMPLATE_KIND = 'AnalysisTemplate';

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

export const analysisTemplateKind: KindDefinition<AnalysisTemplateSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: ANALYSIS_TEMPLATE_KIND,
  names: ['analysistemplate', 'analysistemplates', 'at'],
  spec: analysisTemplateSpecSchema as never,
  // A Prometheus metrics source is called by the server: checked by the egress policy (metricSource).
  egressUrls: (m) => (m.spec.metrics?.source === 'prometheus' ? [{ at: ['spec', 'metrics', 'url'], url: m.spec.metrics.url, purpose: 'metricSource' }] : []),
  description: 'how a rollout step judges its canary: metrics, judge (sequential, kayenta, threshold), interval, durations, limits',
  columns: [
    { header: 'JUDGE', value: (m) => m.spec.judge },
    { header: 'SOURCE', value: (m) => m.spec.metrics?.source ?? 'builtin' },
    { header: 'INTERVAL', value: (m) => seconds(m.spec.interval) },
    { header: 'MAX', value: (m) => seconds(m.spec.maxDuration) },
    { header: 'INCONCLUSIVE', value: (m) => m.spec.inconclusive },
  ],
};
