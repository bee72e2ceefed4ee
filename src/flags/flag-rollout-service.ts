import { newId } from '../core/ids';
import { ConflictError, InputError, isDomainError } from '../core/errors';
import type { Principal } from '../auth/roles';
import { HOOKS } from '../core/hooks';
import type { ServerContext } from '../core/capability';
import { lockKey, transaction, type Tx } from '../store/db';
import type { AuditLog } from '../audit/audit-log';
import type { FlagService } from './flag-service';
import { FlagRolloutStore, type FlagRolloutStorePort } from './flag-rollout-store';
import { nextRolloutAction, type FlagRolloutRun } from './flag-rollout-plan';
import type { FeatureFlagSpec } from './flag-model';

/**
 * Pushed series a guarded rollout reads, labelled `flag`, `environment` and `variant`: requests
 * and failed requests of users served each variant (counters, `POST /api/v1/series`).
 */
export const FLAG_REQUESTS_SERIES = 'flag_requests';
export const FLAG_ERRORS_SERIES = 'flag_errors';

const ROLLOUT_LOCK = 0x5347_0f1b;
/** Transitions one tick may take for one run (a clock jump can make several due at once). */
const MAX_STEPS_PER_TICK = 16;

/**
 * Guarded flag rollouts: raise the rollout percentage step by step while the sequential judge
 * compares users served the flag's treatment variants with users served its default variant, and
 * kill the flag on a regression. Each action is idempotent and recorded after it is taken, so a
 * restarted server repeats at most the last action.
 */
/** What a guarded rollout asks of the flag service: the flag, its environments, the gate, state changes, variants. */
export type FlagRolloutFlags = Pick<FlagService, 'find' | 'assertEnvironment' | 'authorize' | 'setState' | 'engine'>;

/** What FlagRolloutService stores through: its table, and one transaction with the audit log. */
export interface FlagRolloutDeps {
  store: FlagRolloutStorePort;
  /** Runs `fn` in one transaction (the run, its audit event and the change claim commit together). */
  transaction: <T>(fn: (trx: Tx) => Promise<T>) => Promise<T>;
  audit: Pick<AuditLog, 'append'>;
}

/** The store-backed dependencies of a server's FlagRolloutService. */
export function flagRolloutDeps(ctx: ServerContext): FlagRolloutDeps {
  return { store: new FlagRolloutStore(ctx.db), transaction: (fn) => transaction(ctx.db, fn), audit: ctx.audit };
}

export class FlagRolloutService {
  readonly store: FlagRolloutStorePort;
  private readonly deps: FlagRolloutDeps;

  constructor(
    private readonly ctx: ServerContext,
    private readonly flags: FlagRolloutFlags,
    deps: FlagRolloutDeps = flagRolloutDeps(ctx),
  ) {
    this.deps = deps;
    this.store = deps.store;
  }

  /** The analysis capability's sequential judge (HOOKS.countJudge); without it no guarded rollout starts or moves. */
  private judge() {
    return this.ctx.services.get(HOOKS.countJudge);
  }

  private async template(name: string) {
    return this.judge()?.template(name);
  }

  async start(ref: string, environment: string, o: { steps: number[]; intervalMs: number; template: string }, principal: Principal): Promise<FlagRolloutRun> {
    const actor = principal.user;
    const flag = await this.flags.find(ref);
    const name = flag.manifest.metadata.name;
    await this.flags.assertEnvironment(flag.manifest.spec, environment);
    if (!(await this.template(o.template))) {
      throw new InputError(`analysis template "${o.template}" not found or invalid`, [{ path: 'analysis', message: `no AnalysisTemplate "${o.template}"` }]);
    }
    // In production the rollout runs under one change request, held in implement until it ends.
    const auth = await this.flags.authorize(name, environment, 'flag.rollout', `guarded rollout ${o.steps.join(',')}% every ${o.intervalMs} ms`, principal);
    const now = this.ctx.clock.now();
    const run: FlagRolloutRun = {
      id: newId('fr', now),
      flag: name,
      key: (flag.manifest.spec as FeatureFlagSpec).key ?? name,
      environment,
      steps: o.steps,
      stepIndex: 0,
      intervalMs: o.intervalMs,
      template: o.template,
      status: 'running',
      stepStartedMs: now,
      judgedUntilMs: now,
      judgeState: null,
      reason: `step 1 of ${o.steps.length}: ${o.steps[0]}%`,
      createdBy: actor,
      createdMs: now,
      updatedMs: now,
      changeId: auth?.changeId ?? null,
    };
    await this.deps.transaction(async (trx) => {
      await lockKey(trx, ROLLOUT_LOCK);
      const running = await this.store.list({ flag: name, environment, status: 'running' }, trx);
      if (running.length > 0) throw new ConflictError(`flag "${name}" already has a guarded rollout running in ${environment} (${running[0].id})`);
      await this.store.insert(trx, run);
      await this.deps.audit.append(trx, { actor, action: 'flag.rollout.start', kind: 'FeatureFlag', name, after: run, details: { environment } });
      await auth?.claim(trx, run.id);
    });
    await this.flags.setState(name, environment, { action: 'percentage', percentage: o.steps[0], reason: `guarded rollout ${run.id}` }, `rollout:${run.id}`);
    await this.flags.setState(name, environment, { action: 'enable', reason: `guarded rollout ${run.id}` }, `rollout:${run.id}`);
    return run;
  }

  /** Moves every running rollout forward as far as the clock allows. */
  async tick(): Promise<void> {
    for (const run of await this.store.list({ status: 'running' })) {
      try {
        await this.advance(run);
      } catch (e) {
        this.ctx.log.warn({ err: e, rollout: run.id }, 'guarded flag rollout tick failed');
      }
    }
  }

  private async advance(initial: FlagRolloutRun): Promise<void> {
    let run = initial;
    const spec = await this.template(run.template);
    if (!spec) {
      await this.record(run, { ...run, status: 'aborted', reason: `analysis template "${run.template}" is gone or invalid` }, 'flag.rollout.abort');
      return;
    }
    for (let i = 0; i < MAX_STEPS_PER_TICK && run.status === 'running'; i++) {
      const now = this.ctx.clock.now();
      const d = nextRolloutAction(run, now, spec.intervalMs);
      if (d.action === 'wait') return;
      if (d.action === 'judge') {
        const iv = await this.interval(run, d.fromMs, d.toMs);
        const r = await this.judge()?.step(run.template, run.judgeState, iv);
        if (!r) {
          await this.record(run, { ...run, status: 'aborted', reason: `analysis template "${run.template}" is gone or invalid` }, 'flag.rollout.abort');
          return;
        }
        if (r.verdict === 'fail') {
          const reason = `regression at ${run.steps[run.stepIndex]}%: ${r.reason}`;
          await this.flags.setState(run.flag, run.environment, { action: 'kill', reason: `guarded rollout ${run.id}: ${reason}` }, `rollout:${run.id}`);
          run = await this.record(run, { ...run, status: 'rolled-back', judgeState: r.state, judgedUntilMs: d.toMs, reason }, 'flag.rollout.rollback');
        } else {
          run = await this.record(run, {
            ...run,
            judgeState: r.state,
            judgedUntilMs: d.toMs,
            reason: `step ${run.stepIndex + 1} of ${run.steps.length} (${run.steps[run.stepIndex]}%): ${r.reason}`,
          });
        }
      } else if (d.action === 'advance') {
        if (!(await this.mayStep(run, d.percentage, now))) return;
        await this.flags.setState(
          run.flag,
          run.environment,
          { action: 'percentage', percentage: d.percentage, reason: `guarded rollout ${run.id}` },
          `rollout:${run.id}`,
        );
        const stepIndex = run.stepIndex + 1;
        run = await this.record(
          run,
          {
            ...run,
            stepIndex,
            stepStartedMs: now,
            judgedUntilMs: now,
            judgeState: null,
            reason: `step ${stepIndex + 1} of ${run.steps.length}: ${d.percentage}%`,
          },
          'flag.rollout.step',
        );
      } else {
        run = await this.record(run, { ...run, status: 'succeeded', reason: `rolled out to ${run.steps[run.steps.length - 1]}%` }, 'flag.rollout.succeeded');
      }
    }
  }

  /** Requests and errors of the control (default variant) and treatment (every other variant) users. */
  private async interval(run: FlagRolloutRun, fromMs: number, toMs: number) {
    const metrics = this.ctx.services.get(HOOKS.metrics);
    const def = (await this.flags.engine(run.environment)).engine.definition(run.key);
    const variants = def ? Object.keys(def.variants) : [];
    const control = def?.defaultVariant ?? 'off';
    const sum = async (series: string, variant: string) =>
      metrics ? metrics.sumSeries({ series, labels: { flag: run.key, environment: run.environment, variant }, fromMs, toMs }) : 0;
    const sample = async (vs: string[]) => {
      let requests = 0;
      let errors = 0;
      for (const v of vs) {
        requests += await sum(FLAG_REQUESTS_SERIES, v);
        errors += await sum(FLAG_ERRORS_SERIES, v);
      }
      requests = Math.max(0, Math.round(requests));
      return { requests, errors: Math.min(requests, Math.max(0, Math.round(errors))) };
    };
    return { baseline: await sample([control]), canary: await sample(variants.filter((v) => v !== control)) };
  }

  /** Persists a transition (and audits status changes) if no other replica moved the run meanwhile. */
  /**
   * Each step up asks the one authorisation path again (budget, freezes, the rollout's change):
   * a refused step holds the rollout at its share, says why, and is asked again a minute later.
   */
  private async mayStep(run: FlagRolloutRun, percentage: number, now: number): Promise<boolean> {
    if (!run.changeId) return true;
    if (run.reason.startsWith('held:') && now - run.updatedMs < 60_000) return false;
    try {
      await this.flags.authorize(
        run.flag,
        run.environment,
        'flag.step',
        `step to ${percentage}%`,
        { tokenId: 'system', role: 'admin', user: `system:flag-rollout:${run.id}` },
        run.changeId,
      );
      return true;
    } catch (e) {
      if (!isDomainError(e)) throw e;
      await this.record(run, { ...run, reason: `held: ${e.message}` });
      return false;
    }
  }

  private async record(before: FlagRolloutRun, next: FlagRolloutRun, action?: string): Promise<FlagRolloutRun> {
    const run = { ...next, updatedMs: Math.max(this.ctx.clock.now(), before.updatedMs + 1) };
    const ended = before.status === 'running' && run.status !== 'running' && run.changeId;
    const authorizer = this.ctx.services.get(HOOKS.authorizer);
    const finish = ended && authorizer ? await authorizer.prepareFinish(run.changeId!, run.status === 'succeeded' ? 'successful' : 'rolled-back') : undefined;
    await this.deps.transaction(async (trx) => {
      await finish?.(trx);
      await lockKey(trx, ROLLOUT_LOCK);
      if (!(await this.store.update(trx, run, before.updatedMs))) throw new ConflictError(`guarded rollout ${run.id} changed meanwhile`);
      if (action) {
        await this.deps.audit.append(trx, {
          actor: `rollout:${run.id}`,
          action,
          kind: 'FeatureFlag',
          name: run.flag,
          before: { status: before.status, stepIndex: before.stepIndex },
          after: { status: run.status, stepIndex: run.stepIndex },
          details: { environment: run.environment, reason: run.reason, percentage: run.steps[run.stepIndex] },
        });
      }
    });
    return run;
  }
}
