import type { z } from 'zod';
import { SHIPGATE_API_VERSION, type KindDefinition } from '../core/kinds';
import { rolloutSpec, strategyName, type RolloutSpec } from './rollout-spec';

/** `Rollout`: how a service ships to one environment (target, route, strategy, rollback triggers). */
export const rolloutKind: KindDefinition<RolloutSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: 'Rollout',
  names: ['rollout', 'rollouts', 'ro'],
  spec: rolloutSpec as unknown as z.ZodType<RolloutSpec>,
  writeRoles: ['deployer'],
  // A static target's endpoints become router backends and are probed for readiness.
  egressUrls: (m) =>
    m.spec.target.type === 'static'
      ? Object.entries(m.spec.target.endpoints).flatMap(([version, urls]) => urls.map((url, i) => ({ at: ['spec', 'target', 'endpoints', version, i], url, purpose: 'backend' as const })))
      : [],
  description: 'How a service is released in an environment: target, route, canary / blueGreen / rolling strategy, rollback triggers',
  columns: [
    { header: 'SERVICE', value: (m) => m.spec.service },
    { header: 'ENVIRONMENT', value: (m) => m.spec.environment },
    { header: 'STRATEGY', value: (m) => strategyName(m.spec.strategy) },
    { header: 'TARGET', value: (m) => m.spec.target.type },
    { header: 'ROUTE', value: (m) => m.spec.route },
  ],
};
