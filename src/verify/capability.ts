import type { Command } from 'commander';
import type { Capability, ServerContext } from '../core/capability';
import { HOOKS, type VerifyEvidence } from '../core/hooks';
import { contractsCommands } from './contracts/contracts-cli';
import { evidenceCommands } from './evidence-cli';
import { evidenceRoutes } from './evidence-routes';
import { EvidenceService } from './evidence-service';
import { EvidenceStore, verifyMigrations } from './evidence-store';
import { loadtestCommands } from './load/loadtest-cli';
import { loadTestRunner } from './load/load-step';
import { migrationCommands } from './migration/migration-cli';
import { openapiCommands } from './openapi/openapi-cli';
import { pactCommands } from './pact/pact-cli';
import { perfCommands } from './perf/perf-cli';
import { replayCommands } from './replay/replay-cli';
import { scanCommands } from './scan/scan-cli';
import { scanKinds } from './scan/scan-kinds';
import { VERIFIERS } from './verifiers';
import { dataCommands } from './data/data-cli';
import { parityCommands } from './parity/parity-cli';
import { parityRoutes } from './parity/parity-routes';
import { syntheticCommands } from './synthetic/synthetic-cli';
import { syntheticRoutes } from './synthetic/synthetic-routes';
import { SyntheticScheduler, smokeChecks } from './synthetic/synthetic-scheduler';
import { syntheticCheckKind } from './synthetic/synthetic-spec';
import { SyntheticStore, syntheticMigrations } from './synthetic/synthetic-store';
import { experimentCommands } from './chaos/experiment-cli';
import { experimentRoutes } from './chaos/experiment-routes';
import { experimentRuntime, startExperiments } from './chaos/experiment-runtime';
import { experimentKind } from './chaos/experiment-spec';
import { experimentMigrations } from './chaos/experiment-store';

/** Server options under `options.verify`. */
export interface VerifyOptions {
  /** How often the synthetic scheduler looks for due checks, ms (default 1000; 0 turns it off). */
  syntheticTickMs?: number;
}

const services = new WeakMap<ServerContext, EvidenceService>();

function serviceOf(ctx: ServerContext): EvidenceService {
  let s = services.get(ctx);
  if (!s) {
    s = new EvidenceService(ctx, new EvidenceStore(ctx.db), VERIFIERS);
    services.set(ctx, s);
  }
  return s;
}

/**
 * Pre-deployment verification: migration lock checks, API contract diffs, security scans. Each
 * verification's result is evidence recorded against one revision, which a Rollout
 * (`spec.verify`) or an ApprovalPolicy can require (HOOKS.verifyEvidence).
 */
export const verifyCapability: Capability = {
  name: 'verify',
  kinds: [...scanKinds, syntheticCheckKind, experimentKind],
  migrations: { ...verifyMigrations, ...syntheticMigrations, ...experimentMigrations },
  init(ctx) {
    const svc = serviceOf(ctx);
    const hook: VerifyEvidence = {
      assess: (subject, required, environment) => svc.assess(subject, required, environment),
      latest: (subject) => svc.latest(subject),
    };
    ctx.services.provide(HOOKS.verifyEvidence, hook);
    ctx.services.provide(HOOKS.smokeChecks, smokeChecks(ctx));
    ctx.services.provide(HOOKS.loadTest, loadTestRunner);
  },
  routes(app, ctx) {
    evidenceRoutes(app, ctx, serviceOf(ctx));
    syntheticRoutes(app, ctx, new SyntheticStore(ctx.db));
    parityRoutes(app, ctx);
    experimentRoutes(app, experimentRuntime(ctx).runner, experimentRuntime(ctx).store);
  },
  start(ctx) {
    const stopExperiments = startExperiments(ctx);
    const tickMs = ((ctx.config.options.verify ?? {}) as VerifyOptions).syntheticTickMs ?? 1000;
    if (tickMs <= 0) return stopExperiments;
    const scheduler = new SyntheticScheduler(ctx, new SyntheticStore(ctx.db));
    let current: Promise<void> | undefined;
    const timer = setInterval(() => {
      if (current) return;
      current = scheduler
        .tick(ctx.clock.now())
        .catch((e) => ctx.log.warn({ err: e }, 'synthetic scheduler failed; will retry'))
        .finally(() => (current = undefined));
    }, tickMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await current;
      await stopExperiments();
    };
  },
  cli(program, cli) {
    const verify: Command = program
      .command('verify')
      .description(
        'Pre-deployment verifications: migration lock checks, API contract diffs, Pact contracts, security scans, synthetic checks, performance regressions, traffic replay (exit 0 pass, 1 fail, 2 bad input); --service/--version record the result as evidence',
      );
    migrationCommands(verify, cli);
    // a command group of its own (`shipgate data sync`): staging data, not a verification
    dataCommands(program, cli);
    parityCommands(program, cli);
    openapiCommands(verify, cli);
    scanCommands(verify, cli);
    pactCommands(verify, cli);
    syntheticCommands(verify, cli);
    perfCommands(verify, cli);
    replayCommands(verify, cli);
    evidenceCommands(verify, cli);
    contractsCommands(program, cli);
    // top level (`shipgate loadtest`): it generates traffic, it is not a verdict on a revision
    loadtestCommands(program, cli);
    experimentCommands(program, cli);
  },
};
