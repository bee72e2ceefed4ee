/**
 * HOOKS.scaler: the serving revision of a service scaled outside a release (a CapacityReservation's
 * pre-warming and its end). Up: the new instances are started and ready before the route takes
 * them; down: the route lets go of the instances that stop first. Never while a release runs (the
 * release's own plan owns the instances then). Audited as `rollout.scaled`.
 */
import type { ServerContext } from '../core/capability';
import type { Scaler } from '../core/hooks';
import { transaction } from '../store/db';
import { SYSTEM_ACTOR } from './rollout-engine';
import type { RolloutRuntime } from './rollout-runtime';

export function servingScaler(ctx: ServerContext, rt: RolloutRuntime): Scaler {
  return {
    async scaleServing({ service, environment, instances, reason }) {
      const active = await rt.store.activeRun(service, environment);
      if (active) return { skipped: `a release of ${service} is ${active.phase} (run ${active.id})` };
      const stable = await rt.store.stableRevision(service, environment);
      if (!stable) return { skipped: `nothing serves ${service} in ${environment} yet` };
      const rollout = await rt.service.rolloutFor(service, environment);
      const target = rt.targetFor(service, environment, rollout.spec);
      const before = await target.instances(stable);
      if (before.length === instances) return { from: instances, to: instances };
      const current = await rt.traffic.current(rollout.spec.route);
      if (!current || current.backends.length !== 1) return { skipped: `route ${rollout.spec.route} is not serving one revision` };
      const backend = current.backends[0]!;
      const serve = (urls: string[]) =>
        rt.traffic.apply(rollout.spec.route, { ...current, backends: [{ ...backend, weightPercent: 100, instances: urls }] }, SYSTEM_ACTOR);
      if (instances > before.length) {
        const ready = (await target.deploy(stable, instances)).filter((i) => i.ready);
        await serve(ready.map((i) => i.url));
      } else {
        const keep = before.filter((i) => i.ready).slice(0, instances);
        if (keep.length) await serve(keep.map((i) => i.url));
        await target.deploy(stable, instances);
      }
      await transaction(ctx.db, (trx) =>
        ctx.audit.append(trx, {
          actor: SYSTEM_ACTOR,
          action: 'rollout.scaled',
          kind: 'Rollout',
          name: rollout.name,
          details: { service, environment, revision: stable.id, from: before.length, to: instances, reason },
        }),
      );
      return { from: before.length, to: instances };
    },
  };
}
