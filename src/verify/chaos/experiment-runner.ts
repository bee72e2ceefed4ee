/**
 * Runs Experiments on the server, which holds the router: admission (production refused unless
 * the Experiment allows it and the authorizer authorises it), the hypothesis before the method
 * (not met: nothing injected), the method's faults with an expiry, a round of probes every
 * `probeInterval` while it runs (a failing probe stops the method and rolls back at once), the
 * rollback of every fault, and the hypothesis after. Every probe and action goes into the run's
 * journal; start, abort and end are audited. A run whose server died is rolled back by the next
 * server that sees its heartbeat go stale (and its faults expire in the router regardless).
 */
import type { Principal } from '../../auth/roles';
import type { ServerContext } from '../../core/capability';
import { ConflictError, InputError, NotAllowedError, NotFoundError, type Issue } from '../../core/errors';
import { HOOKS, type Authorization } from '../../core/hooks';
import { newId } from '../../core/ids';
import { SHIPGATE_API_VERSION } from '../../core/kinds';
import { transaction } from '../../store/db';
import type { TrafficFault, TrafficRouter } from '../../traffic/traffic-router';
import { ProbeEvaluator } from './experiment-probes';
import { EXPERIMENT_KIND, experimentSpecSchema, type ActionSpec, type ExperimentSpec, type InstancesAction } from './experiment-spec';
import type { ExperimentRun, ExperimentStore, JournalEntry, RunStatus } from './experiment-store';

/** A fault outlives its method's planned end by this much before the router drops it on its own. */
export const FAULT_EXPIRY_GRACE_MS = 5_000;
/** A running run whose heartbeat is older than this belongs to a dead server. */
export const STALE_RUN_MS = 15_000;
const HEARTBEAT_MS = 2_000;

type Phase = JournalEntry['phase'];

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class ExperimentRunner {
  private readonly active = new Map<string, { stop: AbortController; done: Promise<void> }>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly store: ExperimentStore,
    private readonly traffic: TrafficRouter,
  ) {}

  /** Admits and starts a run of the stored Experiment `name`; the run goes on in the background. */
  async start(name: string, environment: string | undefined, actor: Principal): Promise<ExperimentRun> {
    const stored = await this.ctx.resources.get(SHIPGATE_API_VERSION, EXPERIMENT_KIND, name);
    if (!stored) throw new NotFoundError(`no Experiment "${name}"`);
    const parsed = experimentSpecSchema.safeParse(stored.manifest.spec);
    if (!parsed.success) {
      const issues: Issue[] = parsed.error.issues.map((i) => ({ path: ['spec', ...i.path.map(String)].join('.'), message: i.message }) as Issue);
      throw new InputError(`Experiment "${name}" does not validate`, issues);
    }
    const spec = parsed.data;
    const env = environment ?? spec.environment;
    if (!this.traffic.setFault) throw new InputError('the traffic router in use cannot inject faults');
    const auth = await this.admit(name, spec, env, actor);
    const nowMs = this.ctx.clock.now();
    const run: ExperimentRun = {
      id: newId('exp', nowMs),
      experiment: name,
      service: spec.service,
      environment: env,
      status: 'running',
      actor: actor.user,
      startedMs: nowMs,
      endedMs: null,
      heartbeatMs: nowMs,
      summary: 'running',
      journal: [],
      faults: [],
    };
    await transaction(this.ctx.db, async (trx) => {
      // Two runs of one experiment at once would restore each other's faults wrongly.
      if ((await this.store.running(name, trx)).length) throw new ConflictError(`Experiment "${name}" is running already`);
      await this.store.insert(trx, run, { ...spec, changeId: auth?.changeId ?? null });
      await auth?.claim(trx, run.id);
      await this.ctx.audit.append(trx, {
        actor: actor.user,
        action: 'experiment.start',
        kind: EXPERIMENT_KIND,
        name,
        details: { run: run.id, service: spec.service, environment: env, ...(auth?.changeId ? { changeId: auth.changeId } : {}) },
      });
    });
    const stop = new AbortController();
    const done = this.execute(run, spec, stop.signal, auth?.changeId ?? null)
      .catch((e) => this.ctx.log.error({ err: e, run: run.id }, 'experiment run failed outside its own handling'))
      .finally(() => this.active.delete(run.id));
    this.active.set(run.id, { stop, done });
    return run;
  }

  /** Stops every run of this server (shutdown): each rolls back and ends `interrupted`. */
  async stopAll(): Promise<void> {
    for (const a of this.active.values()) a.stop.abort();
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  /** Rolls back runs left `running` by a server that died (stale heartbeat). */
  async recover(nowMs: number): Promise<number> {
    let n = 0;
    for (const run of await this.store.running()) {
      if (this.active.has(run.id) || nowMs - run.heartbeatMs < STALE_RUN_MS) continue;
      this.journal(
        run,
        'end',
        'note',
        'recovered',
        false,
        `the server running this experiment stopped (heartbeat ${nowMs - run.heartbeatMs}ms old); rolled back`,
      );
      await this.rollback(run);
      await this.finish(run, 'interrupted', 'interrupted: its server stopped; faults rolled back by another', null);
      n++;
    }
    return n;
  }

  /** Production (by the catalog's Environment kind; undeclared counts as production) needs allowProduction and the authorizer. */
  private async admit(name: string, spec: ExperimentSpec, env: string, actor: Principal): Promise<Authorization | undefined> {
    const graph = this.ctx.services.get(HOOKS.graph);
    const kind = graph ? (await graph.snapshot()).environmentKind(env) : undefined;
    if (kind && kind !== 'production') return undefined;
    const what = kind ? `environment "${env}" is production` : `environment "${env}" is not declared (an undeclared environment counts as production)`;
    if (!spec.allowProduction) {
      await this.refuse(name, env, actor, `${what}; the Experiment does not set spec.allowProduction: true`);
    }
    const authorizer = this.ctx.services.get(HOOKS.authorizer);
    if (!authorizer) return this.refuse(name, env, actor, `${what}; no authorizer is installed to approve it`);
    // Faults change what users get: a config change of the service, through the one authorisation path.
    return authorizer.authorize('route.apply', { service: spec.service, environment: env, kind: 'config', title: `chaos experiment ${name} in ${env}` }, actor);
  }

  private async refuse(name: string, env: string, actor: Principal, message: string): Promise<never> {
    await transaction(this.ctx.db, (trx) =>
      this.ctx.audit.append(trx, { actor: actor.user, action: 'experiment.refuse', kind: EXPERIMENT_KIND, name, details: { environment: env, message } }),
    );
    throw new NotAllowedError(`Experiment "${name}" refused: ${message}`, { environment: env });
  }

  private async execute(run: ExperimentRun, spec: ExperimentSpec, shutdown: AbortSignal, changeId: string | null): Promise<void> {
    const probes = new ProbeEvaluator(this.ctx);
    const beat = setInterval(() => {
      run.heartbeatMs = this.ctx.clock.now();
      this.store.heartbeat(run.id, run.heartbeatMs).catch(() => {});
    }, HEARTBEAT_MS);
    beat.unref();
    try {
      const before = await this.round(run, spec, probes, 'before');
      await this.store.save(run);
      if (!before.ok) return await this.finish(run, 'not-steady', `hypothesis not met before the method (${before.failed}); nothing injected`, changeId);

      const methodStart = this.ctx.clock.now();
      await probes.mark(spec.hypothesis.probes, methodStart);
      const endAt = methodStart + spec.duration;
      const expiresAtMs = endAt + FAULT_EXPIRY_GRACE_MS;
      const stop = new AbortController();
      const onShutdown = () => stop.abort();
      shutdown.addEventListener('abort', onShutdown, { once: true });
      let deviation: string | undefined;
      let failure: Error | undefined;
      const prober = (async () => {
        while (!stop.signal.aborted) {
          await sleep(spec.probeInterval, stop.signal);
          if (stop.signal.aborted) break;
          const r = await this.round(run, spec, probes, 'during');
          await this.store.save(run).catch(() => {});
          if (!r.ok) {
            deviation = r.failed;
            stop.abort();
          }
        }
      })();
      try {
        for (const a of spec.method) {
          await this.pause(run, a.name, 'before', a.pauses?.before, stop.signal);
          if (stop.signal.aborted) break;
          await this.inject(run, a, expiresAtMs, stop.signal);
          await this.store.save(run);
          await this.pause(run, a.name, 'after', a.pauses?.after, stop.signal);
        }
        await sleep(endAt - this.ctx.clock.now(), stop.signal);
      } catch (e) {
        failure = e as Error;
      } finally {
        stop.abort();
        shutdown.removeEventListener('abort', onShutdown);
        await prober;
      }
      await this.rollback(run);
      if (failure) return await this.finish(run, 'error', `an action failed (${failure.message}); rolled back`, changeId);
      if (deviation) return await this.finish(run, 'deviated', `hypothesis deviated during the method (${deviation}); rolled back`, changeId);
      if (shutdown.aborted) return await this.finish(run, 'interrupted', 'interrupted by a server shutdown; rolled back', changeId);

      await probes.mark(spec.hypothesis.probes, this.ctx.clock.now());
      await sleep(spec.probeInterval, shutdown);
      const after = await this.round(run, spec, probes, 'after');
      if (!after.ok) return await this.finish(run, 'deviated', `hypothesis not met after the rollback (${after.failed})`, changeId);
      await this.finish(run, 'completed', 'hypothesis held before, during and after the method', changeId);
    } catch (e) {
      this.journal(run, 'end', 'note', 'error', false, (e as Error).message);
      await this.rollback(run).catch(() => {});
      await this.finish(run, 'error', `the run failed (${(e as Error).message}); rolled back`, changeId).catch(() => {});
    } finally {
      clearInterval(beat);
    }
  }

  /** One round of every probe, in parallel; journalled. */
  private async round(run: ExperimentRun, spec: ExperimentSpec, probes: ProbeEvaluator, phase: Phase): Promise<{ ok: boolean; failed: string }> {
    const nowMs = this.ctx.clock.now();
    const verdicts = await Promise.all(
      spec.hypothesis.probes.map(async (p) => {
        const t0 = performance.now();
        const v = await probes.evaluate(p, nowMs);
        return { p, v, tookMs: performance.now() - t0 };
      }),
    );
    for (const { p, v, tookMs } of verdicts)
      this.journal(run, phase, 'probe', p.name, v.ok, v.reason, { ...(v.inconclusive ? { inconclusive: true } : {}), values: v.values, tookMs });
    const bad = verdicts.filter((x) => !x.v.ok);
    return { ok: bad.length === 0, failed: bad.map((x) => `${x.p.name}: ${x.v.reason}`).join('; ') };
  }

  private async pause(run: ExperimentRun, action: string, when: 'before' | 'after', ms: number | undefined, signal: AbortSignal): Promise<void> {
    if (!ms || signal.aborted) return;
    this.journal(run, 'method', 'pause', action, true, `pause ${when}: ${ms}ms`);
    await sleep(ms, signal);
  }

  private async inject(run: ExperimentRun, a: ActionSpec, expiresAtMs: number, stop: AbortSignal): Promise<void> {
    if (a.instances) return this.signalInstances(run, a.name, a.instances, stop);
    const f = a.fault!;
    const fault: TrafficFault = {
      ...(f.delay ? { delay: f.delay } : {}),
      ...(f.abort ? { abort: f.abort } : {}),
      ...(f.reset ? { reset: f.reset } : {}),
      expiresAtMs,
    };
    const t0 = performance.now();
    const where = `route ${f.route}${f.version ? ` version ${f.version}` : ''}`;
    try {
      const { previous } = await this.traffic.setFault!(f.route, f.version ?? null, fault, run.actor);
      run.faults.push({ route: f.route, version: f.version ?? null, previous, expiresAtMs });
      this.journal(run, 'method', 'action', a.name, true, `fault on ${where}: ${describeFault(fault)}`, { tookMs: performance.now() - t0 });
    } catch (e) {
      this.journal(run, 'method', 'action', a.name, false, `fault on ${where} failed: ${(e as Error).message}`, { tookMs: performance.now() - t0 });
      throw e;
    }
  }

  /** Kills or pauses instances of the run's service (HOOKS.instances); a pause ends after its duration or at the rollback. */
  private async signalInstances(run: ExperimentRun, name: string, a: InstancesAction, stop: AbortSignal): Promise<void> {
    const hook = this.ctx.services.get(HOOKS.instances);
    const t0 = performance.now();
    const all = hook ? await hook.list({ service: run.service, environment: run.environment }) : [];
    if (!all.length) {
      this.journal(run, 'method', 'action', name, false, `no live instances of ${run.service} in ${run.environment} to ${a.action}`);
      throw new Error(`no live instances of ${run.service} in ${run.environment}`);
    }
    const n = Math.min(all.length, a.count ?? (a.percent !== undefined ? Math.ceil((all.length * a.percent) / 100) : 1));
    const chosen = [...all].sort(() => Math.random() - 0.5).slice(0, n);
    const where = { service: run.service, environment: run.environment };
    for (const inst of chosen) {
      const ok = await hook!.signal({ ...where, id: inst.id }, a.action === 'kill' ? 'SIGKILL' : 'SIGSTOP');
      if (ok && a.action === 'pause') {
        const entry = { paused: { id: inst.id, pid: inst.pid }, route: '', version: null, previous: null, expiresAtMs: 0 };
        run.faults.push(entry);
        if (a.duration !== undefined)
          void sleep(a.duration, stop).then(async () => {
            const i = run.faults.indexOf(entry);
            if (i < 0) return;
            run.faults.splice(i, 1);
            const resumed = await hook!.signal({ ...where, id: inst.id }, 'SIGCONT');
            this.journal(run, 'method', 'action', name, resumed, `resumed instance ${inst.id} (pid ${inst.pid}) after ${a.duration}ms`);
          });
      }
      this.journal(
        run,
        'method',
        'action',
        name,
        ok,
        `${a.action === 'kill' ? 'killed' : 'paused'} instance ${inst.id} (pid ${inst.pid})${ok ? '' : ': gone already'}`,
        {
          tookMs: performance.now() - t0,
        },
      );
    }
  }

  /** Restores what each injected fault replaced and resumes paused instances, newest first; each leaves the list. */
  private async rollback(run: ExperimentRun): Promise<void> {
    const instances = this.ctx.services.get(HOOKS.instances);
    while (run.faults.length) {
      const f = run.faults.at(-1)!;
      if (f.paused) {
        run.faults.splice(run.faults.indexOf(f), 1);
        const ok = (await instances?.signal({ service: run.service, environment: run.environment, id: f.paused.id }, 'SIGCONT')) ?? false;
        this.journal(run, 'rollback', 'rollback', `instance ${f.paused.id}`, ok, ok ? `resumed pid ${f.paused.pid}` : 'gone: nothing to resume');
        continue;
      }
      const where = `route ${f.route}${f.version ? ` version ${f.version}` : ''}`;
      try {
        await this.traffic.setFault!(f.route, f.version, (f.previous as TrafficFault | null) ?? null, run.actor);
        this.journal(run, 'rollback', 'rollback', where, true, f.previous ? 'restored the fault it replaced' : 'fault removed');
      } catch (e) {
        // The route may be gone (its table deleted): nothing is left to remove; the expiry covers the rest.
        this.journal(
          run,
          'rollback',
          'rollback',
          where,
          false,
          `could not restore (${(e as Error).message}); the router drops the fault at ${new Date(f.expiresAtMs).toISOString()}`,
        );
      }
      const i = run.faults.indexOf(f);
      if (i >= 0) run.faults.splice(i, 1);
    }
  }

  private async finish(run: ExperimentRun, status: RunStatus, summary: string, changeId: string | null): Promise<void> {
    const nowMs = this.ctx.clock.now();
    run.status = status;
    run.summary = summary;
    run.endedMs = nowMs;
    run.heartbeatMs = nowMs;
    this.journal(run, 'end', 'note', status, status === 'completed', summary);
    const authorizer = changeId ? this.ctx.services.get(HOOKS.authorizer) : undefined;
    const close =
      authorizer && changeId
        ? await authorizer.prepareFinish(changeId, status === 'completed' ? 'successful' : status === 'deviated' ? 'rolled-back' : 'failed')
        : undefined;
    await transaction(this.ctx.db, async (trx) => {
      await this.store.save(run, trx);
      const base = { actor: run.actor, kind: EXPERIMENT_KIND, name: run.experiment };
      const details = { run: run.id, environment: run.environment, status, summary };
      if (status !== 'completed' && status !== 'not-steady') await this.ctx.audit.append(trx, { ...base, action: 'experiment.abort', details });
      await this.ctx.audit.append(trx, { ...base, action: 'experiment.end', details });
      await close?.(trx);
    });
  }

  private journal(
    run: ExperimentRun,
    phase: Phase,
    type: JournalEntry['type'],
    name: string,
    ok: boolean,
    detail: string,
    extra: Partial<JournalEntry> = {},
  ): void {
    run.journal.push({ atMs: this.ctx.clock.now(), phase, type, name, ok, detail, ...extra });
  }
}

export function describeFault(f: TrafficFault): string {
  const parts: string[] = [];
  if (f.delay) parts.push(`delay ${f.delay.delayMs}ms on ${f.delay.percent}%`);
  if (f.abort) parts.push(`abort ${f.abort.status} on ${f.abort.percent}%`);
  if (f.reset) parts.push(`reset on ${f.reset.percent}%`);
  if (f.expiresAtMs !== undefined) parts.push(`until ${new Date(f.expiresAtMs).toISOString()}`);
  return parts.join(', ');
}
