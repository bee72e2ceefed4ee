/**
 * The chaos part of the verify capability, built once per server: the runner over the builtin
 * TrafficRouter (faults land in the RouteTables the router serves, audited like rollouts' changes)
 * and the loop that rolls back runs whose server died.
 */
import type { ServerContext } from '../../core/capability';
import { HOOKS } from '../../core/hooks';
import { BuiltinTrafficRouter } from '../../traffic/builtin-traffic-router';
import { ExperimentRunner } from './experiment-runner';
import { ExperimentStore } from './experiment-store';

/** How often a server looks for runs left by a dead server, ms. */
const RECOVER_EVERY_MS = 5_000;

const runtimes = new WeakMap<ServerContext, { runner: ExperimentRunner; store: ExperimentStore }>();

export function experimentRuntime(ctx: ServerContext): { runner: ExperimentRunner; store: ExperimentStore } {
  let r = runtimes.get(ctx);
  if (!r) {
    const store = new ExperimentStore(ctx.db);
    const traffic = new BuiltinTrafficRouter({
      db: ctx.db,
      resources: ctx.resources,
      events: ctx.events,
      inProcess: () => ctx.services.get(HOOKS.inProcessRouter),
    });
    r = { runner: new ExperimentRunner(ctx, store, traffic), store };
    runtimes.set(ctx, r);
  }
  return r;
}

/** Starts the recovery loop; the returned function stops it and every run of this server (each rolls back). */
export function startExperiments(ctx: ServerContext): () => Promise<void> {
  const { runner } = experimentRuntime(ctx);
  let current: Promise<unknown> | undefined;
  const recover = () => {
    if (current) return;
    current = runner
      .recover(ctx.clock.now())
      .catch((e) => ctx.log.warn({ err: e }, 'experiment recovery failed; will retry'))
      .finally(() => (current = undefined));
  };
  recover();
  const timer = setInterval(recover, RECOVER_EVERY_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await current;
    await runner.stopAll();
  };
}
