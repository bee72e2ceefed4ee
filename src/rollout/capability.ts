import type { Capability, ServerContext } from '../core/capability';
import { HOOKS, type RevisionPreview, type RunProgress } from '../core/hooks';
import type { RunState } from './run-state';
import { instancesHook } from './instances-hook';
import { servingScaler } from './scaler';
import { bindingOf, mergeConfig, splitSets } from './revision';
import { rolloutCommands } from './rollout-cli';
import { rolloutKind } from './rollout-kind';
import { rolloutRoutes } from './rollout-routes';
import { RolloutRuntime } from './rollout-runtime';
import { rolloutMigrations } from './rollout-store';
import { planRelease } from './plan';
import { rolloutSpec, strategyName, type RolloutSpec } from './rollout-spec';
import { SHIPGATE_API_VERSION } from '../core/kinds';

/** One runtime per server context (several servers may share a process in tests). */
const runtimes = new WeakMap<ServerContext, RolloutRuntime>();

export function rolloutRuntime(ctx: ServerContext): RolloutRuntime {
  let rt = runtimes.get(ctx);
  if (!rt) {
    rt = new RolloutRuntime(ctx);
    runtimes.set(ctx, rt);
  }
  return rt;
}

/** Rollouts: canary, blue-green and rolling releases with automatic rollback. */
export const rolloutCapability: Capability = {
  name: 'rollout',
  kinds: [rolloutKind],
  migrations: rolloutMigrations,
  init(ctx) {
    const rt = rolloutRuntime(ctx);
    ctx.services.provide(HOOKS.deployMarkers, rt.markers());
    ctx.services.provide(HOOKS.deployments, {
      deployed: (environment) => rt.store.deployed(environment),
      async rollouts(environment) {
        const stored = await ctx.resources.list<RolloutSpec>(SHIPGATE_API_VERSION, 'Rollout');
        return stored
          .map((r) => ({ name: r.manifest.metadata.name, spec: rolloutSpec.safeParse(r.manifest.spec) }))
          .filter((r) => r.spec.success && (environment === undefined || r.spec.data.environment === environment))
          .map(({ name, spec }) => {
            const s = spec.data!;
            return {
              name,
              service: s.service,
              environment: s.environment,
              route: s.route,
              replicas: s.target.replicas,
              // The one plan a release runs: its busiest step, old and new revisions counted together.
              peakReplicas: Math.max(
                s.target.replicas,
                ...planRelease(s.strategy, s.target.replicas, true).map((p) => p.desired.canaryReplicas + p.desired.stableReplicas),
              ),
              strategy: strategyName(s.strategy),
              ...(s.capacity?.memoryLimitMb ? { memoryLimitBytes: s.capacity.memoryLimitMb * 1024 * 1024 } : {}),
              ...(s.capacity?.perInstance !== undefined
                ? { capacity: { perInstanceRps: s.capacity.perInstance, headroom: s.capacity.headroom, horizonMs: s.capacity.horizon } }
                : {}),
              ...(s.parity ? { parity: s.parity } : {}),
            };
          });
      },
    });
    ctx.services.provide(HOOKS.instances, instancesHook(ctx.config.dataDir));
    ctx.services.provide(HOOKS.scaler, servingScaler(ctx, rt));
    const progress = (r: RunState): RunProgress => ({
      id: r.id,
      phase: r.phase,
      canaryTrafficAtMs: r.canaryTrafficAtMs,
      rollback: r.rollback
        ? {
            reason: r.rollback.reason,
            decidedAtMs: r.rollback.decidedAtMs,
            ...(r.rollback.trafficRestoredAtMs !== undefined ? { trafficRestoredAtMs: r.rollback.trafficRestoredAtMs } : {}),
          }
        : null,
      finishedAtMs: r.finishedAtMs,
    });
    ctx.services.provide(HOOKS.releaseActions, {
      async serving({ service, environment }) {
        const stable = await rt.store.stableRevision(service, environment);
        if (!stable) return undefined;
        const { spec } = await rt.service.rolloutFor(service, environment);
        return { version: stable.version, revision: stable.id, route: spec.route };
      },
      release: async (q, actor) => progress(await rt.service.release({ ...q, set: q.set }, actor)),
      abort: async (q, actor) => progress(await rt.service.command(q.service, q.environment, 'abort', actor)),
      async run(id) {
        const r = await rt.store.run(id);
        return r ? progress(r) : undefined;
      },
    });
    const preview: RevisionPreview = {
      async preview(i) {
        const stable = await rt.store.stableRevision(i.service, i.environment);
        return bindingOf({ version: i.version, artifact: i.artifact ?? '', config: mergeConfig(stable?.config ?? {}, splitSets(i.set ?? {}).values) });
      },
    };
    ctx.services.provide(HOOKS.revisionPreview, preview);
  },
  routes(app, ctx) {
    rolloutRoutes(app, ctx, () => rolloutRuntime(ctx));
  },
  start(ctx) {
    const rt = rolloutRuntime(ctx);
    rt.executor.start();
    return () => rt.stop();
  },
  cli(program, cli) {
    rolloutCommands(program, cli);
  },
};
