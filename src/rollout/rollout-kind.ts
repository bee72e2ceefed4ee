import type { z } from 'zod';
import { SHIPGATE_API_VERSION, type KindDefinition, type ValidateContext } from '../core/kinds';
import { RefusedError } from '../core/errors';
import { canonicalJson } from '../core/ids';
import type { Manifest } from '../core/manifest';
import { hostDecidingFields } from '../targets/target-spec';
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
      ? Object.entries(m.spec.target.endpoints).flatMap(([version, urls]) =>
          urls.map((url, i) => ({ at: ['spec', 'target', 'endpoints', version, i], url, purpose: 'backend' as const })),
        )
      : [],
  description: 'How a service is released in an environment: target, route, canary / blueGreen / rolling strategy, rollback triggers',
  columns: [
    { header: 'SERVICE', value: (m) => m.spec.service },
    { header: 'ENVIRONMENT', value: (m) => m.spec.environment },
    { header: 'STRATEGY', value: (m) => strategyName(m.spec.strategy) },
    { header: 'TARGET', value: (m) => m.spec.target.type },
    { header: 'ROUTE', value: (m) => m.spec.route },
  ],
  async validate(m, ctx) {
    await assertMayChangeTarget(m, ctx);
    return [];
  },
};

/**
 * Deployers may apply Rollouts (steps, weights, analysis), but what runs on the control-plane
 * host (a process target's command and folder) and where users may be sent (a static target's
 * endpoints) is an admin's to introduce or change: otherwise a deployer could run any program
 * as the server's user. Throws ROLE_NOT_ALLOWED (403) naming `spec.target.command` or
 * `spec.target.endpoints`.
 */
async function assertMayChangeTarget(m: Manifest<RolloutSpec>, ctx: ValidateContext): Promise<void> {
  const actor = ctx.actor;
  if (!actor || actor.role === 'admin') return;
  const next = hostDecidingFields(m.spec.target);
  if (next === null) return;
  const before = await ctx.stored?.('rollout', m.metadata.name);
  const previous = before ? hostDecidingFields((before as Manifest<RolloutSpec>).spec.target) : null;
  if (previous !== null && canonicalJson(previous) === canonicalJson(next)) return;
  const path = m.spec.target.type === 'process' ? 'spec.target.command' : 'spec.target.endpoints';
  const what =
    m.spec.target.type === 'process'
      ? "a process target's command and cwd (what runs on the Shipgate host)"
      : "a static target's endpoints (where users' traffic may go)";
  throw new RefusedError(
    'ROLE_NOT_ALLOWED',
    `Rollout "${m.metadata.name}": role "${actor.role}" may not ${previous === null ? 'introduce' : 'change'} ${what}; an admin applies that change (other fields are yours to change)`,
    {
      path,
      kind: 'Rollout',
      name: m.metadata.name,
      role: actor.role,
    },
  );
}
