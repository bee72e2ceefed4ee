import type { Capability, ServerContext } from '../core/capability';
import { HOOKS } from '../core/hooks';
import { rolloutCommands } from './rollout-cli';
import { demoCommand } from '../demo/demo-command';
import { rolloutKind } from './rollout-kind';
import { rolloutRoutes } from './rollout-routes';
import { RolloutRuntime } from './rollout-runtime';
import { rolloutMigrations } from './rollout-store';

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
    ctx.services.provide(HOOKS.deployMarkers, rolloutRuntime(ctx).markers());
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
    demoCommand(program, cli);
  },
};
