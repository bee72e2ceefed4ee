import { fallback, handleType, TaskCancelledError, timeout, TimeoutStrategy, wrap } from 'cockatiel';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock';
import { isDomainError } from '../core/errors';
import { routeTarget } from '../core/route-target';
import type {
  AnalysisMeasurement,
  AnalysisStep,
  AnalysisStepInput,
  AnalysisStepResult,
  Authorizer,
  BurnSignal,
  CapacityPeak,
  ExternalAlerts,
  MemoryFindings,
  InProcessRoute,
  LoadTestOutcome,
  LoadTestRunner,
  SmokeChecks,
} from '../core/hooks';
import type { Tx } from '../store/db';
import type { MetricsService } from '../metrics/types';
import { isTargetError, type DeployTarget } from '../targets/deploy-target';
import { probeHttp } from '../targets/http-probe';
import type { TrafficRouter } from '../traffic/traffic-router';
import type { DesiredState } from './plan';
import type { Revision } from './revision';
import { rollbackTriggers, rolloutLimits, type InlineAnalysisSpec, type RollbackTrigger, type RolloutLimits } from './rollout-spec';
import type { RolloutStore } from './rollout-store';
import type { RunJournal } from './run-journal';
import * as sm from './run-state';
import { trailingErrors, VERDICT_OF_PHASE, type Measurement, type RunState, type StepRecord, type TemplateVerdict } from './run-state';
import { backendNames, trafficFor } from './traffic-plan';

export const SYSTEM_ACTOR = 'shipgate';

export interface EngineDeps {
  store: RolloutStore;
  journal: RunJournal;
  clock: Clock;
  traffic: TrafficRouter;
  target: (run: RunState) => DeployTarget;
  metrics: () => MetricsService | undefined;
  /** Requests a version of a route has served so far, live from the in-process router; undefined when not available. */
  liveRequests: (route: string, version: string) => number | undefined;
  analysisStep: () => AnalysisStep | undefined;
  burnSignal: () => BurnSignal | undefined;
  authorizer: () => Authorizer | undefined;
  smokeChecks: () => SmokeChecks | undefined;
  externalAlerts: () => ExternalAlerts | undefined;
  /** Sends a loadTest step's requests; undefined when the verify capability is not installed. */
  loadTest: () => LoadTestRunner | undefined;
  /** The capacity forecast's peak, for a loadTest step's `peakFactor`. */
  capacityPeak: () => CapacityPeak | undefined;
  /** Leak findings on revisions (capacity), for the `memoryLeak` trigger. */
  memoryFindings: () => MemoryFindings | undefined;
  /** The router in this process (its URL and a route as it serves it now); undefined when the server runs none. */
  router: (route: string) => { url: string; route: InProcessRoute | undefined } | undefined;
  log: Logger;
}

/** A loadTest step's requests in flight in this process. */
interface LoadTestState {
  abort: AbortController;
  outcome?: LoadTestOutcome;
  error?: Error;
}

/** What the post-promotion window of one run has seen in this process (a restarted server starts again). */
interface WatchState {
  restartsAtStart: number;
  failures: Map<string, number>;
  smoked: Set<string>;
  lastProbeAtMs: number;
}

/** What one reconcile did: `again` = it moved the run on, look again now; `idle` = wait for time or a command. */
export type Tick = 'again' | 'idle';

/**
 * Moves one run forward by one transition. Every transition is stored (RunJournal) before the
 * action it leads to; every action names an absolute state (instances, traffic), so repeating
 * it after a restart has the effect of doing it once.
 */
export class RolloutEngine {
  /** Steps whose state this process has converged; emptied by a restart, so the first tick re-applies (idempotently). */
  private readonly converged = new Set<string>();
  private readonly burnCheckedAt = new Map<string, number>();
  private readonly leakCheckedAt = new Map<string, number>();
  private readonly watches = new Map<string, WatchState>();
  /** Keyed `run#step#startedAtMs`: a step started again (resume) is a new test. */
  private readonly loadTests = new Map<string, LoadTestState>();

  constructor(private readonly d: EngineDeps) {}

  async reconcile(run: RunState): Promise<Tick> {
    const to = (await this.d.store.revision(run.toRevision))!;
    const from = run.fromRevision ? ((await this.d.store.revision(run.fromRevision)) ?? null) : null;
    const target = this.d.target(run);
    const now = this.d.clock.now();
    this.stopLoadTests(run);
    try {
      if (run.phase === 'rollingBack') return await this.rollBack(run, from, to, target);
      if (sm.isTerminal(run)) return 'idle';
      const trigger = await this.trigger(run, to, target, now);
      if (trigger) {
        await this.d.journal.commit(run, sm.decideRollback(run, trigger.reason, trigger.message, SYSTEM_ACTOR, now), 'rollback.decided', SYSTEM_ACTOR, {
          reason: trigger.reason,
          message: trigger.message,
        });
        return 'again';
      }
      if (run.phase === 'paused') return 'idle';
      const step = sm.currentStep(run)!;
      if (step.status === 'pending') {
        await this.d.journal.commit(run, sm.startStep(run, now), 'step.started', SYSTEM_ACTOR, { step: step.label });
        return 'again';
      }
      const key = `${run.id}#${step.index}`;
      if (!this.converged.has(key)) {
        await this.converge(run, step.desired, from, to, target);
        this.converged.add(key);
      }
      return await this.advance(run, step, from, to);
    } catch (e) {
      if (isDomainError(e) && e.code === 'CONFLICT') return 'again';
      return this.failed(run, e, now);
    }
  }

  private async failed(run: RunState, e: unknown, now: number): Promise<Tick> {
    const message = (e as Error).message ?? String(e);
    const fresh = await this.d.store.run(run.id);
    if (!fresh || sm.isTerminal(fresh)) return 'idle';
    if (isTargetError(e) && fresh.phase !== 'rollingBack' && rollbackTriggers(fresh.spec.strategy).includes('healthFailed')) {
      await this.d.journal.commit(fresh, sm.decideRollback(fresh, 'healthFailed', message, SYSTEM_ACTOR, now), 'rollback.decided', SYSTEM_ACTOR, {
        reason: 'healthFailed',
        message,
      });
      return 'again';
    }
    this.d.log.warn({ err: e, run: run.id }, 'rollout action failed; will retry');
    const next = sm.recordError(fresh, message, now);
    if (next.errors >= rolloutLimits(fresh.spec).actionErrorLimit && fresh.phase !== 'rollingBack') {
      await this.d.journal.commit(
        fresh,
        sm.decideRollback(next, 'error', `gave up after ${next.errors} failed attempts: ${message}`, SYSTEM_ACTOR, now),
        'rollback.decided',
        SYSTEM_ACTOR,
        { reason: 'error', message },
      );
      return 'again';
    }
    await this.d.journal.note(fresh, next);
    return 'idle';
  }

  /** Rollback triggers that fire now: instance health first, then SLO burn. */
  private async trigger(run: RunState, to: Revision, target: DeployTarget, now: number): Promise<{ reason: RollbackTrigger; message: string } | undefined> {
    const on = rollbackTriggers(run.spec.strategy);
    if (on.includes('healthFailed')) {
      const h = await target.health(to);
      if (h.failed) return { reason: 'healthFailed', message: `${to.id} unhealthy: ${h.reason ?? 'instances failed'}` };
    }
    const burn = this.d.burnSignal();
    const limits = rolloutLimits(run.spec);
    if (burn && on.includes('sloBurn') && now - (this.burnCheckedAt.get(run.id) ?? 0) >= limits.burnCheckInterval) {
      this.burnCheckedAt.set(run.id, now);
      const b = await withTimeout(() => burn.pageBurning({ service: run.service, environment: run.environment, atMs: now }), limits.burnCheckTimeout, {
        burning: false,
        reason: 'SLO burn check timed out',
      });
      if (b.burning) return { reason: 'sloBurn', message: b.reason };
    }
    const leaks = this.d.memoryFindings();
    if (leaks && on.includes('memoryLeak') && now - (this.leakCheckedAt.get(run.id) ?? 0) >= limits.burnCheckInterval) {
      this.leakCheckedAt.set(run.id, now);
      const f = await leaks.finding(run.toRevision);
      if (f) return { reason: 'memoryLeak', message: f.message };
    }
    const alerts = this.d.externalAlerts();
    if (alerts && on.includes('externalAlert')) {
      const firing = await withTimeout(
        () => alerts.firing({ service: run.service, environment: run.environment, version: run.toVersion, sinceMs: run.createdAtMs }),
        limits.burnCheckTimeout,
        [],
      );
      const a = firing[0];
      if (a)
        return {
          reason: 'externalAlert',
          message: `${a.name}${a.severity ? ` (${a.severity})` : ''} firing since ${new Date(a.startsAtMs).toISOString()}${a.summary ? `: ${a.summary}` : ''}${firing.length > 1 ? ` (and ${firing.length - 1} more)` : ''}`,
        };
    }
    return undefined;
  }

  private names(from: Revision | null, to: Revision) {
    return backendNames(from, to);
  }

  /** Brings instances and traffic to `desired`: scale up, move traffic, then scale down. */
  private async converge(run: RunState, desired: DesiredState, from: Revision | null, to: Revision, target: DeployTarget): Promise<void> {
    const names = this.names(from, to);
    const stableNow = from ? await target.instances(from) : [];
    const canaryNow = await target.instances(to);
    if (desired.canaryReplicas > canaryNow.length) await target.deploy(to, desired.canaryReplicas);
    if (from && desired.stableReplicas > stableNow.length) await target.deploy(from, desired.stableReplicas);
    const canary = (await target.instances(to)).filter((i) => i.ready).slice(0, Math.max(desired.canaryReplicas, 0));
    const stable = from ? (await target.instances(from)).filter((i) => i.ready).slice(0, desired.stableReplicas) : [];
    const state = trafficFor(desired, from ? { name: names.stable!, instances: stable.map((i) => i.url) } : null, {
      name: names.canary,
      instances: canary.map((i) => i.url),
    });
    if (state.backends.length) await this.d.traffic.apply(run.spec.route, state, SYSTEM_ACTOR);
    if (desired.canaryReplicas < canaryNow.length) {
      if (desired.canaryReplicas === 0) await target.teardown(to);
      else await target.deploy(to, desired.canaryReplicas);
    }
    if (from && desired.stableReplicas < stableNow.length) {
      if (desired.stableReplicas === 0) await target.teardown(from);
      else await target.deploy(from, desired.stableReplicas);
    }
  }

  private async advance(run: RunState, step: StepRecord, from: Revision | null, to: Revision): Promise<Tick> {
    const now = this.d.clock.now();
    const complete = async (message?: string): Promise<Tick> => {
      let next = sm.completeStep(run, now);
      if (message) next.steps[step.index].message = message;
      if (next.canaryTrafficAtMs === null && from && step.desired.canaryWeightPercent > 0) next = { ...next, canaryTrafficAtMs: now };
      const finish = next.phase === 'completed' ? await this.finish(run, 'successful') : undefined;
      await this.d.journal.commit(run, next, 'step.completed', SYSTEM_ACTOR, { step: step.label, ...(message ? { message } : {}) }, finish);
      return 'again';
    };
    switch (step.kind) {
      case 'converge':
        return complete();
      case 'pause': {
        if (step.pauseMs === null || step.pauseMs === undefined) {
          await this.d.journal.commit(run, sm.pauseRun(run, 'step', now), 'paused', SYSTEM_ACTOR, { step: step.label, by: 'step' });
          return 'idle';
        }
        return now >= step.startedAtMs! + step.pauseMs ? complete() : 'idle';
      }
      case 'analysis':
        return 'templateRef' in step.analysis!
          ? this.templateAnalysis(run, step, from, to, now)
          : this.inlineAnalysis(run, step, step.analysis as InlineAnalysisSpec, from, to, now);
      case 'loadTest':
        return this.loadTestStep(run, step, from, to, now);
      case 'drain':
        return this.drain(run, step, from, to, now, complete);
      case 'watch':
        return this.watch(run, step, from, to, now, complete);
    }
  }

  /**
   * The post-promotion window: every instance of the new revision probed directly on its health
   * path and by the smoke checks, its restarts counted, its error rate through the router read;
   * any failure rolls back to the previous revision, which is still ready. The SLO burn trigger
   * runs as on every step. A quiet window completes the step.
   */
  private async watch(run: RunState, step: StepRecord, from: Revision | null, to: Revision, now: number, complete: () => Promise<Tick>): Promise<Tick> {
    const pp = run.spec.postPromotion;
    const key = `${run.id}#${step.index}`;
    const target = this.d.target(run);
    let w = this.watches.get(key);
    if (!w) {
      w = { restartsAtStart: (await target.health(to)).restarts, failures: new Map(), smoked: new Set(), lastProbeAtMs: 0 };
      this.watches.set(key, w);
    }
    const done = () => {
      this.watches.delete(key);
      return complete();
    };
    if (!pp || !from) return done();
    const fail = async (message: string): Promise<Tick> => {
      this.watches.delete(key);
      await this.d.journal.commit(run, sm.decideRollback(run, 'postPromotion', message, SYSTEM_ACTOR, now), 'rollback.decided', SYSTEM_ACTOR, {
        reason: 'postPromotion',
        message,
      });
      return 'again';
    };
    const health = await target.health(to);
    if (health.restarts - w.restartsAtStart > pp.maxRestarts)
      return fail(
        `${to.id}: ${health.restarts - w.restartsAtStart} instance restart(s) in the post-promotion window (at most ${pp.maxRestarts})${health.reason ? `: ${health.reason}` : ''}`,
      );
    const m = this.d.metrics();
    if (m && step.startedAtMs !== null) {
      const win = await m.routerWindow({ route: run.spec.route, version: this.names(from, to).canary, fromMs: step.startedAtMs, toMs: now + 1 });
      if (win.requests >= pp.minRequests && win.errors / win.requests > pp.maxErrorRate)
        return fail(
          `${to.id}: ${win.errors} errors in ${win.requests} requests (${((100 * win.errors) / win.requests).toFixed(1)}%) since promotion, over ${(pp.maxErrorRate * 100).toFixed(1)}%`,
        );
    }
    if (now - w.lastProbeAtMs >= pp.probe.interval) {
      w.lastProbeAtMs = now;
      const path = pp.probe.path ?? (run.spec.target.readiness?.httpGet || '/healthz');
      const instances = await target.instances(to);
      const probes = await Promise.all(instances.map(async (i) => ({ i, ok: await probeHttp(new URL(path, i.url).toString(), pp.probe.timeout) })));
      for (const { i, ok } of probes) {
        const n = ok ? 0 : (w.failures.get(i.id) ?? 0) + 1;
        w.failures.set(i.id, n);
        if (n >= pp.probe.failureThreshold) return fail(`${to.id}: instance ${i.id} (${i.url}) failed ${n} health probe(s) of ${path} in a row`);
      }
      const smoke = this.d.smokeChecks();
      for (const i of instances.filter((x) => x.ready && !w!.smoked.has(x.id))) {
        if (!smoke) break;
        w.smoked.add(i.id);
        const results = await smoke.run({ service: run.service, url: i.url, ...(pp.smoke ? { names: pp.smoke } : {}) });
        const bad = results.find((r) => !r.ok);
        if (bad) return fail(`${to.id}: smoke check ${bad.check} failed on instance ${i.id} (${i.url}): ${bad.failure ?? 'failed'}`);
      }
    }
    return now >= step.startedAtMs! + (step.pauseMs ?? pp.window) ? done() : 'idle';
  }

  /** Aborts the load tests of `run` that are not its running step any more (moved on, paused, rolling back, finished). */
  private stopLoadTests(run: RunState): void {
    const step = sm.currentStep(run);
    const keep = run.phase === 'progressing' && step?.kind === 'loadTest' ? `${run.id}#${step.index}#${step.startedAtMs}` : undefined;
    for (const [key, t] of this.loadTests)
      if (key.startsWith(`${run.id}#`) && key !== keep) {
        t.abort.abort();
        this.loadTests.delete(key);
      }
  }

  /**
   * A load test of the new revision, before users reach it: the rate is chosen (from the step or
   * the capacity forecast) and stored before a request is sent; the requests go through this
   * server's router with the step's header, which its converged state routes to the new revision
   * only. The test runs beside the executor's ticks; its outcome is stored with the step, and a
   * failed threshold rolls back. A server restarted mid-test sends the test again.
   */
  private async loadTestStep(run: RunState, step: StepRecord, from: Revision | null, to: Revision, now: number): Promise<Tick> {
    const spec = step.loadTest!;
    const pause = async (message: string): Promise<Tick> => {
      const next = { ...sm.pauseRun(run, 'inconclusive', now) };
      next.steps[step.index].message = message;
      await this.d.journal.commit(run, next, 'paused', SYSTEM_ACTOR, { step: step.label, by: 'loadTest', message });
      return 'idle';
    };
    const runner = this.d.loadTest();
    if (!runner) return pause('no load test runner is installed (the verify capability); promote to skip the load test');
    const router = this.d.router(run.spec.route);
    if (!router) return pause('this server runs no router to send the load test through (start it with --router); promote to skip the load test');
    const canary = this.names(from, to).canary;
    const h = spec.header.header.toLowerCase();
    const inForce = router.route?.headerRoutes?.some((r) => r.header === h && r.value === spec.header.value && r.version === canary);
    if (!inForce) {
      // The route table reloads on the change event; a router that never serves the header route would load the stable revision.
      if (now - step.startedAtMs! < 10_000) return 'idle';
      return pause(`route ${run.spec.route} does not route ${spec.header.header}: ${spec.header.value} to ${canary} after 10s; promote to skip the load test`);
    }
    if (!step.loadTestRun) {
      let rate = spec.rate;
      let rateFrom = 'rate';
      if (spec.peakFactor !== undefined) {
        const source = this.d.capacityPeak();
        const peak = source
          ? await withTimeout(() => source.peak({ service: run.service, environment: run.environment, horizonMs: spec.horizon }), 10_000, {
              unavailable: 'the capacity forecast did not answer within 10 s',
            })
          : { unavailable: 'no capacity capability is installed' };
        if ('rps' in peak && peak.rps > 0) {
          rate = Math.min(spec.maxRate, peak.rps * spec.peakFactor);
          rateFrom = `${spec.peakFactor}× the forecast peak ${peak.rps.toFixed(1)}/s at ${new Date(peak.atMs).toISOString()} (${peak.model})${peak.rps * spec.peakFactor > spec.maxRate ? `, capped at maxRate ${spec.maxRate}/s` : ''}`;
        } else {
          const why = 'unavailable' in peak ? peak.unavailable : 'the forecast peak is 0 requests/s';
          if (rate === undefined) return pause(`no rate for the load test: ${why}; set loadTest.rate, or promote to skip`);
          rateFrom = `rate (no forecast: ${why})`;
        }
      }
      // At least one request a second: a test that sends nothing judges nothing.
      const ratePerSec = Math.max(1, Math.round(rate! * 100) / 100);
      const next = {
        ...run,
        updatedAtMs: now,
        steps: run.steps.map((s) =>
          s.index === step.index
            ? { ...s, loadTestRun: { ratePerSec, rateFrom, startedAtMs: now }, message: `sending ${ratePerSec}/s for ${spec.duration / 1000}s (${rateFrom})` }
            : s,
        ),
      };
      // Audited: the log shows the server sent load, at what rate and why.
      await this.d.journal.commit(run, next, 'loadTest.started', SYSTEM_ACTOR, { step: step.label, ratePerSec, rateFrom, durationMs: spec.duration });
      return 'again';
    }
    const key = `${run.id}#${step.index}#${step.startedAtMs}`;
    const t = this.loadTests.get(key);
    if (!t) {
      const state: LoadTestState = { abort: new AbortController() };
      this.loadTests.set(key, state);
      const target = routeTarget(router.url, router.route, spec.path);
      runner
        .run({
          url: target.url,
          method: spec.method,
          headers: { ...target.headers, [spec.header.header]: spec.header.value },
          ratePerSec: step.loadTestRun.ratePerSec,
          durationMs: spec.duration,
          timeoutMs: spec.timeout,
          thresholds: spec.thresholds,
          signal: state.abort.signal,
        })
        .then(
          (o) => (state.outcome = o),
          (e) => (state.error = e instanceof Error ? e : new Error(String(e))),
        );
      return 'idle';
    }
    if (t.error) {
      this.loadTests.delete(key);
      throw new Error(`load test failed to run: ${t.error.message}`);
    }
    if (!t.outcome) return 'idle';
    this.loadTests.delete(key);
    const o = t.outcome;
    const next: RunState = {
      ...run,
      updatedAtMs: now,
      steps: run.steps.map((s) => (s.index === step.index ? { ...s, loadTestRun: { ...s.loadTestRun!, outcome: o }, message: `load test ${o.summary}` } : s)),
    };
    if (!o.passed) {
      const message = `load test failed: ${o.summary}`;
      await this.d.journal.commit(run, sm.decideRollback(next, 'loadTest', message, SYSTEM_ACTOR, now), 'rollback.decided', SYSTEM_ACTOR, {
        reason: 'loadTest',
        message,
        step: step.label,
      });
      return 'again';
    }
    const stored = await this.d.journal.note(run, next);
    let done = sm.completeStep(stored, this.d.clock.now());
    done.steps[step.index].message = `load test ${o.summary}`;
    if (done.canaryTrafficAtMs === null && from && step.desired.canaryWeightPercent > 0) done = { ...done, canaryTrafficAtMs: now };
    const finish = done.phase === 'completed' ? await this.finish(stored, 'successful') : undefined;
    await this.d.journal.commit(stored, done, 'step.completed', SYSTEM_ACTOR, { step: step.label, message: `load test ${o.summary}` }, finish);
    return 'again';
  }

  /** Asks the analysis provider, waiting at most `analysisTimeout`: no answer by then is an `error` answer; no provider installed, `inconclusive` (a person decides). */
  private async ask(input: AnalysisStepInput, limits: RolloutLimits, what: string): Promise<AnalysisStepResult> {
    const judge = this.d.analysisStep();
    if (!judge) return { verdict: 'inconclusive', summary: `no analysis provider is installed to run ${what}`, nextIntervalMs: 1000 };
    const s = Math.round(limits.analysisTimeout / 100) / 10;
    return withTimeout(() => judge.evaluate(input), limits.analysisTimeout, {
      verdict: 'error' as const,
      summary: `the analysis provider did not answer within ${s} s`,
      nextIntervalMs: 1000,
    });
  }

  private analysisInput(run: RunState, step: StepRecord, from: Revision | null, to: Revision, now: number): Omit<AnalysisStepInput, 'runId'> {
    const names = this.names(from, to);
    return {
      service: run.service,
      environment: run.environment,
      route: run.spec.route,
      // A first release has no stable version: the canary is its own baseline (maxOverStable never fails).
      baselineVersion: names.stable ?? names.canary,
      canaryVersion: names.canary,
      startedAtMs: step.startedAtMs!,
      nowMs: now,
    };
  }

  /**
   * An inline step is an analysis run of the analysis capability (threshold judge, windows from the
   * step's start, pass after `count` Successful measurements). Its id carries the step's start, so
   * a step resumed after a pause (which starts over) is a new run.
   */
  private async inlineAnalysis(run: RunState, step: StepRecord, spec: InlineAnalysisSpec, from: Revision | null, to: Revision, now: number): Promise<Tick> {
    const before = step.measurements as Measurement[];
    const last = (before.at(-1)?.atMs ?? step.startedAtMs)!;
    if (now < last + spec.interval) return 'idle';
    const limits = rolloutLimits(run.spec);
    const r = await this.ask(
      {
        ...this.analysisInput(run, step, from, to, now),
        runId: sm.analysisRunId(run, step),
        inline: {
          thresholds: spec.metrics.map((m) => ({
            name: m.name,
            ...(m.max === undefined ? {} : { max: m.max }),
            ...(m.min === undefined ? {} : { min: m.min }),
            ...(m.maxOverStable === undefined ? {} : { maxOverBaseline: m.maxOverStable }),
          })),
          intervalMs: spec.interval,
          count: spec.count,
          minRequests: spec.minRequests,
          failureLimit: spec.failureLimit,
          inconclusiveLimit: spec.inconclusiveLimit,
          consecutiveErrorLimit: limits.consecutiveErrorLimit,
        },
      },
      limits,
      'the inline analysis',
    );
    const relative = from !== null && spec.metrics.some((m) => m.maxOverStable !== undefined);
    const added = (r.measurements ?? []).map((m) => fromAnalysis(m, relative));
    // The provider could not judge (no answer in time): an Error measurement, never a Failed one.
    if (r.verdict === 'error') added.push({ atMs: now, verdict: 'error', phase: 'Error', requests: 0, errors: 0, values: {}, reasons: [r.summary] });
    if (!added.length && r.verdict === 'continue') return 'idle';
    const measurements = [...before, ...added];
    const lastFailed = [...measurements].reverse().find((m) => m.verdict === 'fail');
    const next = {
      ...run,
      updatedAtMs: now,
      steps: run.steps.map((s) => (s.index === step.index ? { ...s, measurements, message: added.length ? summarise(added.at(-1)!) : r.summary } : s)),
    };
    return this.decide(run, step, next, r, measurements, limits, from, now, `analysis failed: ${lastFailed?.reasons.join('; ') ?? r.summary}`);
  }

  /** Completes the step on the freshly stored run (its version moved with the note). */
  private async advanceAfterNote(stored: RunState, step: StepRecord, from: Revision | null): Promise<Tick> {
    const now = this.d.clock.now();
    let next = sm.completeStep(stored, now);
    if (next.canaryTrafficAtMs === null && from && step.desired.canaryWeightPercent > 0) next = { ...next, canaryTrafficAtMs: now };
    const finish = next.phase === 'completed' ? await this.finish(stored, 'successful') : undefined;
    await this.d.journal.commit(stored, next, 'step.completed', SYSTEM_ACTOR, { step: step.label, message: 'analysis passed' }, finish);
    return 'again';
  }

  private async templateAnalysis(run: RunState, step: StepRecord, from: Revision | null, to: Revision, now: number): Promise<Tick> {
    const spec = step.analysis as { templateRef: string; maxDuration: number };
    const verdicts = step.measurements as (TemplateVerdict & { nextAtMs?: number })[];
    const last = verdicts.at(-1);
    if (last?.nextAtMs && now < last.nextAtMs) return 'idle';
    const limits = rolloutLimits(run.spec);
    const r = await this.ask(
      { ...this.analysisInput(run, step, from, to, now), runId: sm.analysisRunId(run, step), template: spec.templateRef },
      limits,
      `template "${spec.templateRef}"`,
    );
    let v: TemplateVerdict & { nextAtMs?: number } = { atMs: now, verdict: r.verdict, summary: r.summary, nextAtMs: now + Math.max(100, r.nextIntervalMs) };
    let answer = r;
    if (v.verdict === 'continue' && now - step.startedAtMs! >= spec.maxDuration) {
      v = { ...v, verdict: 'inconclusive', summary: `${v.summary} (no verdict within ${spec.maxDuration} ms)` };
      answer = { ...r, verdict: 'inconclusive', summary: v.summary };
    }
    const measurements = [...verdicts, v];
    const next = { ...run, updatedAtMs: now, steps: run.steps.map((s) => (s.index === step.index ? { ...s, measurements, message: v.summary } : s)) };
    return this.decide(run, step, next, answer, measurements, limits, from, now, `analysis ${spec.templateRef} failed: ${v.summary}`);
  }

  /**
   * What an analysis answer does to the run: Failed rolls back; Successful completes the step;
   * Inconclusive (an Error run among them: the metric source broke) pauses for a person; more
   * errors in a row than `consecutiveErrorLimit` (provider faults the run itself cannot see, such
   * as no answer in time) pause too. An Error never rolls back.
   */
  private async decide(
    run: RunState,
    step: StepRecord,
    next: RunState,
    r: AnalysisStepResult,
    measurements: readonly { verdict: string }[],
    limits: RolloutLimits,
    from: Revision | null,
    now: number,
    failure: string,
  ): Promise<Tick> {
    if (r.verdict === 'fail') {
      await this.d.journal.commit(run, sm.decideRollback(next, 'analysisFailed', failure, SYSTEM_ACTOR, now), 'rollback.decided', SYSTEM_ACTOR, {
        reason: 'analysisFailed',
        message: failure,
        step: step.label,
      });
      return 'again';
    }
    if (r.verdict === 'pass') return this.advanceAfterNote(await this.d.journal.note(run, next), step, from);
    const errors = trailingErrors(measurements);
    if (r.verdict === 'inconclusive' || errors > limits.consecutiveErrorLimit) {
      const by = r.phase === 'Error' || r.verdict !== 'inconclusive' ? 'analysis errors' : 'inconclusive';
      await this.d.journal.commit(run, sm.pauseRun(next, 'inconclusive', now), 'paused', SYSTEM_ACTOR, {
        step: step.label,
        by,
        ...(by === 'analysis errors' ? { errors } : {}),
      });
      return 'idle';
    }
    await this.d.journal.note(run, next);
    return 'idle';
  }

  /** Waits until the stable version got no request for the quiet period, at most `maxWait`. */
  private async drain(
    run: RunState,
    step: StepRecord,
    from: Revision | null,
    to: Revision,
    now: number,
    complete: (m?: string) => Promise<Tick>,
  ): Promise<Tick> {
    if (!from) return complete('nothing to drain');
    const { quietPeriod, maxWait } = run.spec.drain;
    const version = this.names(from, to).stable!;
    const requests = await this.requestsSoFar(run.spec.route, version, step.startedAtMs!, now);
    const d = step.drain;
    if (!d || requests !== d.requests) {
      const next = {
        ...run,
        updatedAtMs: now,
        steps: run.steps.map((s) =>
          s.index === step.index
            ? { ...s, drain: { requests, lastChangeAtMs: now }, message: `waiting for ${version} to go quiet (${requests} requests since the switch)` }
            : s,
        ),
      };
      await this.d.journal.note(run, next);
      return 'idle';
    }
    if (now - d.lastChangeAtMs >= quietPeriod) return complete(`${version} quiet for ${Math.round((now - d.lastChangeAtMs) / 1000)}s`);
    if (now - step.startedAtMs! >= maxWait) return complete(`gave up waiting after ${Math.round(maxWait / 1000)}s: ${version} still received requests`);
    return 'idle';
  }

  private async requestsSoFar(route: string, version: string, sinceMs: number, now: number): Promise<number> {
    const live = this.d.liveRequests(route, version);
    if (live !== undefined) return live;
    const m = this.d.metrics();
    if (!m) return 0;
    return (await m.routerWindow({ route, version, fromMs: sinceMs, toMs: now + 1 })).requests;
  }

  /** Restores all traffic to stable first (the 1-second promise), then tears the new revision down. */
  private async rollBack(run: RunState, from: Revision | null, to: Revision, target: DeployTarget): Promise<Tick> {
    const rb = run.rollback!;
    if (rb.stage === 'restoreTraffic') {
      if (from) {
        const names = this.names(from, to);
        let stable = (await target.instances(from)).filter((i) => i.ready);
        if (stable.length < run.replicas) stable = (await target.deploy(from, run.replicas)).filter((i) => i.ready);
        const state = trafficFor(
          { canaryReplicas: 0, stableReplicas: run.replicas, canaryWeightPercent: 0, headerRoutes: [], mirrorPercent: null },
          { name: names.stable!, instances: stable.map((i) => i.url) },
          { name: names.canary, instances: [] },
        );
        await this.d.traffic.apply(run.spec.route, state, SYSTEM_ACTOR);
        // Where the data plane can tell, wait (at most 1 s) until it serves the restored split.
        for (let i = 0; i < 50 && (await this.d.traffic.verifyWeight(run.spec.route, state)) === false; i++) await new Promise((r) => setTimeout(r, 20));
      } else {
        await this.d.traffic.removeManagedRoutes(run.spec.route, SYSTEM_ACTOR);
      }
      const now = this.d.clock.now();
      await this.d.journal.commit(run, sm.trafficRestored(run, now), 'rollback.trafficRestored', SYSTEM_ACTOR, { msFromDecision: now - rb.decidedAtMs });
      return 'again';
    }
    if (rb.stage === 'teardown') {
      // A pre-scaled release gives the serving revision back its own size: traffic first leaves the instances that go.
      if (from && run.replicas > run.spec.target.replicas) {
        const n = run.spec.target.replicas;
        const keep = (await target.instances(from)).filter((i) => i.ready).slice(0, n);
        if (keep.length) {
          const names = this.names(from, to);
          const state = trafficFor(
            { canaryReplicas: 0, stableReplicas: n, canaryWeightPercent: 0, headerRoutes: [], mirrorPercent: null },
            { name: names.stable!, instances: keep.map((i) => i.url) },
            { name: names.canary, instances: [] },
          );
          await this.d.traffic.apply(run.spec.route, state, SYSTEM_ACTOR);
        }
        await target.deploy(from, n);
      }
      await target.teardown(to);
      const next = sm.rolledBack(run, this.d.clock.now());
      const finish = await this.finish(run, rb.reason === 'aborted' ? 'failed' : 'rolled-back');
      await this.d.journal.commit(run, next, 'rolledBack', SYSTEM_ACTOR, { reason: rb.reason }, finish);
      return 'idle';
    }
    return 'idle';
  }

  /**
   * The change request's outcome, recorded in the transaction of the run's terminal state (so a
   * crash cannot leave a finished run with a change still "implementing"). What needs I/O (the
   * error budget consumed) is read here, before that transaction.
   */
  private async finish(run: RunState, outcome: 'successful' | 'failed' | 'rolled-back'): Promise<((trx: Tx) => Promise<void>) | undefined> {
    const auth = this.d.authorizer();
    if (!auth || !run.changeId) return undefined;
    try {
      return await auth.prepareFinish(run.changeId, outcome);
    } catch (e) {
      this.d.log.warn({ err: e, run: run.id }, 'could not prepare the release outcome for its change request');
      return undefined;
    }
  }
}

/** The provider's measurement in the run's words (the baseline is the stable version). */
function fromAnalysis(m: AnalysisMeasurement, withStable: boolean): Measurement {
  const out: Measurement = {
    atMs: m.atMs,
    verdict: VERDICT_OF_PHASE[m.phase],
    phase: m.phase,
    requests: m.requests,
    errors: m.errors,
    values: m.values,
    reasons: m.reasons,
  };
  // As before: the stable version's values are kept when a threshold compares with them.
  if (withStable && Object.keys(m.baselineValues).length) out.stableValues = m.baselineValues;
  return out;
}

function summarise(m: Measurement): string {
  const vals = Object.entries(m.values)
    .map(([k, v]) => `${k}=${Number.isFinite(v) ? Math.round((v as number) * 10_000) / 10_000 : '-'}`)
    .join(' ');
  return `${m.verdict}: ${m.requests} requests, ${vals}${m.reasons.length ? ` (${m.reasons.join('; ')})` : ''}`;
}

/**
 * A hook that does not answer in time must not stall every run: its fallback answer is used
 * (cockatiel: an aggressive timeout, whose timer does not hold the process open, under a fallback
 * for the timeout alone; the task's own errors still reject).
 */
export function withTimeout<T>(task: () => Promise<T>, ms: number, fallbackValue: T): Promise<T> {
  return wrap(
    fallback(handleType(TaskCancelledError), () => fallbackValue),
    timeout(ms, TimeoutStrategy.Aggressive).dangerouslyUnref(),
  ).execute(() => task());
}
