/**
 * Runs a rollback drill on the server: user load through the router (HOOKS.loadTest at the
 * drill's rate, no header: weighted like users), the serving version released again as a new
 * revision (`SHIPGATE_DRILL=<run>` in its config, through the one authorisation path as the person
 * who asked), an abort once the new revision takes user traffic, and the clock from the rollback
 * decision to traffic back and to the teardown. Every step is stored with its time; the figures are
 * judged against the objectives. Network I/O runs outside transactions; one drill per service and
 * environment at a time, bounded by `maxDuration`.
 */
import type { Principal } from '../auth/roles';
import type { ServerContext } from '../core/capability';
import { ConflictError, NotFoundError } from '../core/errors';
import { HOOKS, type LoadTestOutcome, type RunProgress } from '../core/hooks';
import { newId } from '../core/ids';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { routeTarget } from '../core/route-target';
import { transaction } from '../store/db';
import { DRILL_KIND, drillSpec, type DrillSpec } from './drill-spec';
import type { DrillRun, DrillStore } from './drill-store';
import { judgeDrill } from './drill-verdict';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class DrillRunner {
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly store: DrillStore,
  ) {}

  async spec(name: string): Promise<DrillSpec> {
    const m = await this.ctx.resources.get<DrillSpec>(SHIPGATE_API_VERSION, DRILL_KIND, name);
    if (!m) throw new NotFoundError(`no Drill named ${name}; apply one first (kind Drill)`);
    return drillSpec.parse(m.manifest.spec);
  }

  /** Starts a run now; resolves with it once stored (the drill goes on in the background). */
  async start(name: string, actor: Principal): Promise<DrillRun> {
    const spec = await this.spec(name);
    const key = `${spec.service}/${spec.environment}`;
    if (this.running.has(key)) throw new ConflictError(`a drill of ${spec.service} in ${spec.environment} is already running`);
    const now = this.ctx.clock.now();
    const run: DrillRun = {
      id: newId('drl', now),
      drill: name,
      service: spec.service,
      environment: spec.environment,
      actor: actor.user,
      startedAtMs: now,
      finishedAtMs: null,
      verdict: 'running',
      steps: [{ atMs: now, what: `started by ${actor.user}` }],
      figures: null,
      reasons: [],
      rolloutRun: null,
    };
    await this.store.save(run);
    await this.audit('drill.started', run, { exercise: spec.exercise });
    const p = this.execute(run, spec, actor)
      .catch(async (e) => {
        // A drill that stops half-way must not leave its release running.
        if (run.rolloutRun) {
          const p = await this.ctx.services.get(HOOKS.releaseActions)?.run(run.rolloutRun);
          if (p && (p.phase === 'progressing' || p.phase === 'paused'))
            await this.ctx.services
              .get(HOOKS.releaseActions)
              ?.abort({ service: spec.service, environment: spec.environment }, actor)
              .catch(() => undefined);
        }
        await this.finish(run, null, [`the drill could not go on: ${(e as Error).message}`]);
      })
      .finally(() => this.running.delete(key));
    this.running.set(key, p);
    return run;
  }

  /** Waits for the drills in flight (server shutdown). */
  async stop(): Promise<void> {
    await Promise.all(this.running.values());
  }

  private async execute(run: DrillRun, spec: DrillSpec, actor: Principal): Promise<void> {
    const step = async (what: string) => {
      run.steps.push({ atMs: this.ctx.clock.now(), what });
      await this.store.save(run);
    };
    const actions = this.ctx.services.get(HOOKS.releaseActions);
    if (!actions) return this.finish(run, null, ['no rollout capability to release with']);
    const serving = await actions.serving({ service: spec.service, environment: spec.environment });
    if (!serving) return this.finish(run, null, [`nothing serves ${spec.service} in ${spec.environment}: release it once before drilling its rollback`]);
    await step(`serving ${serving.revision} (version ${serving.version})`);
    const deadline = run.startedAtMs + spec.maxDuration;

    // User load for the whole drill, through the router as users reach it.
    const router = this.ctx.services.get(HOOKS.inProcessRouter);
    const loadRunner = this.ctx.services.get(HOOKS.loadTest);
    const routerUrl = router?.url();
    let load: Promise<LoadTestOutcome | Error> | undefined;
    if (router && routerUrl && loadRunner) {
      const target = routeTarget(
        routerUrl,
        router.current().spec.routes.find((r) => r.name === serving.route),
        spec.load.path,
      );
      load = loadRunner
        .run({
          url: target.url,
          method: 'GET',
          headers: target.headers,
          ratePerSec: spec.load.rate,
          durationMs: spec.load.duration,
          timeoutMs: 5000,
          thresholds: 'errors<1',
        })
        .catch((e: Error) => e);
      await step(`user load ${spec.load.rate}/s for ${spec.load.duration / 1000}s through the router`);
    } else await step('no router in this server: no user load (start it with --router)');

    const released = await actions.release(
      { service: spec.service, environment: spec.environment, version: serving.version, set: { SHIPGATE_DRILL: run.id } },
      actor,
    );
    run.rolloutRun = released.id;
    await step(`released ${serving.version} again as run ${released.id}`);
    const poll = async (until: (p: RunProgress) => boolean, what: string): Promise<RunProgress> => {
      for (;;) {
        const p = await actions.run(released.id);
        if (p && until(p)) return p;
        if (this.ctx.clock.now() > deadline) throw new Error(`${what} did not happen within ${spec.maxDuration / 1000}s (run ${released.id} is ${p?.phase})`);
        await sleep(100);
      }
    };
    const took = await poll((p) => p.canaryTrafficAtMs !== null || p.phase === 'rolledBack' || p.phase === 'completed', 'the new revision taking user traffic');
    if (took.phase !== 'progressing' && took.phase !== 'paused')
      return this.finish(run, null, [`the drill's release ended ${took.phase} before it took traffic`]);
    await step('the new revision takes user traffic');
    await actions.abort({ service: spec.service, environment: spec.environment }, actor);
    await step('rollback decided (abort)');
    const done = await poll((p) => p.phase === 'rolledBack', 'the rollback');
    const rb = done.rollback!;
    await step(`rolled back: traffic restored ${rb.trafficRestoredAtMs! - rb.decidedAtMs} ms after the decision`);
    const outcome = load ? await load : undefined;
    const figures = {
      timeToRollbackMs: rb.trafficRestoredAtMs !== undefined ? rb.trafficRestoredAtMs - rb.decidedAtMs : null,
      timeToRolledBackMs: done.finishedAtMs !== null ? done.finishedAtMs - rb.decidedAtMs : null,
      userRequests: outcome && !(outcome instanceof Error) ? outcome.requests : 0,
      userErrors: outcome && !(outcome instanceof Error) ? outcome.errors : 0,
    };
    if (outcome instanceof Error) await step(`the user load failed: ${outcome.message}`);
    else if (outcome) await step(`user load: ${outcome.summary}`);
    return this.finish(run, figures, judgeDrill(figures, spec.objectives).reasons);
  }

  private async finish(run: DrillRun, figures: DrillRun['figures'], reasons: string[]): Promise<void> {
    run.finishedAtMs = this.ctx.clock.now();
    run.figures = figures;
    run.reasons = reasons;
    run.verdict = figures && reasons.length === 0 ? 'pass' : 'fail';
    run.steps.push({ atMs: run.finishedAtMs, what: run.verdict === 'pass' ? 'passed' : `failed: ${reasons.join('; ')}` });
    await this.store.save(run);
    await this.audit('drill.finished', run, { verdict: run.verdict, figures, reasons });
  }

  private async audit(action: string, run: DrillRun, details: Record<string, unknown>): Promise<void> {
    await transaction(this.ctx.db, (trx) =>
      this.ctx.audit.append(trx, {
        actor: action === 'drill.started' ? run.actor : 'shipgate',
        action,
        kind: 'Drill',
        name: run.drill,
        details: { run: run.id, service: run.service, environment: run.environment, ...details },
      }),
    );
  }
}
