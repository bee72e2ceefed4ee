import type { Principal } from '../auth/roles';
import { VERSION_RE } from '../core/revision';
import type { Clock } from '../core/clock';
import { ConflictError, InputError, NotFoundError } from '../core/errors';
import type { Authorization, Authorizer, CapacityNeed, CapacityPlan, GateAction, Reservations, RevisionBinding, VerificationKindName } from '../core/hooks';
import { newId } from '../core/ids';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import type { ResourceStore } from '../resources/resource-store';
import type { Tx } from '../store/db';
import { planRelease, withPreScale } from './plan';
import { bindingOf, makeRevision, mergeConfig, mergeSecretKeys, splitSets, type ConfigSet, type Revision } from './revision';
import { strategyName, type RolloutSpec } from './rollout-spec';
import type { RolloutStorePort } from './rollout-store';
import type { RunJournalPort } from './run-journal';
import * as sm from './run-state';
import type { RunState } from './run-state';

export interface ReleaseInput {
  service: string;
  environment: string;
  version: string;
  /** KEY=VALUE config changes on top of the serving revision's config ('' removes a key); `{secret: true, value}` for a secret. */
  set: Record<string, ConfigSet>;
  /** Reference put into the target's `{artifact}` placeholder, or approved URLs (static); default none. */
  artifact?: string;
  changeId?: string;
  /** Reason for an emergency change (on-call only): the one way past a budget freeze or a freeze window. */
  emergency?: string;
}

/** Options of retry and undo that reach the authorisation path. */
export interface GateOptions {
  changeId?: string;
  emergency?: string;
  /** Verifications the Rollout requires of the revision (spec.verify); set by the service, not by callers. */
  verify?: readonly VerificationKindName[];
  /** Instances the release must have for the forecast peak (spec.capacity with require); set by the service. */
  capacity?: CapacityNeed;
  /** Instances the run will have (checked against CapacityReservations); set by the service. */
  instances?: number;
}

/** The manifests RolloutService reads: Rollouts, by kind. */
export type RolloutManifests = Pick<ResourceStore, 'list'>;

/** Releases, commands on runs (promote, pause, resume, abort), retry and undo. */
export class RolloutService {
  constructor(
    private readonly store: RolloutStorePort,
    private readonly journal: RunJournalPort,
    private readonly resources: RolloutManifests,
    private readonly clock: Clock,
    private readonly authorizer: () => Authorizer | undefined,
    private readonly capacityPlan: () => CapacityPlan | undefined = () => undefined,
    private readonly reservations: () => Reservations | undefined = () => undefined,
  ) {}

  /**
   * How many instances the release runs: the Rollout's replicas, or with `spec.capacity.preScale`
   * the forecast peak's need when higher (at most `maxReplicas`). No forecast: the replicas.
   * Reads stored series only (no network I/O); never inside a transaction.
   */
  async sizeFor(
    service: string,
    environment: string,
    spec: RolloutSpec,
  ): Promise<{ replicas: number; capacity?: CapacityNeed; note?: string; settle?: number }> {
    const base = spec.target.replicas;
    const c = spec.capacity;
    const plan = this.capacityPlan();
    // Pre-scaling keeps a reservation in force: the release runs at least at its minimum.
    const reserved = c?.preScale ? await this.reservations()?.reserved({ service, environment, atMs: this.clock.now() }) : undefined;
    if (reserved && reserved.minInstances > base) {
      const replicas = Math.min(reserved.minInstances, Math.max(base, c!.maxReplicas));
      const sized = await this.sizeFor(service, environment, { ...spec, target: { ...spec.target, replicas } });
      // After the release, the new revision keeps the reserved instances rather than going back to the replicas.
      return { ...sized, settle: replicas, note: `pre-scaled to ${sized.replicas}: CapacityReservation ${reserved.name} reserves ${reserved.minInstances}` };
    }
    if (!c || c.perInstance === undefined) return { replicas: base };
    const perInstanceRps = c.perInstance;
    const need = (replicas: number): CapacityNeed => ({ perInstanceRps, headroom: c.headroom, horizonMs: c.horizon, replicas });
    let replicas = base;
    let note: string | undefined;
    if (c.preScale && plan) {
      const p = await plan.plan({ service, environment, ...need(base) });
      if ('needed' in p && p.needed > base) {
        replicas = Math.min(p.needed, Math.max(base, c.maxReplicas));
        note = `pre-scaled to ${replicas}: ${p.message}`;
      }
    }
    return { replicas, ...(c.require ? { capacity: need(replicas) } : {}), ...(note ? { note } : {}) };
  }

  /** The Rollout manifest for a service and environment. */
  async rolloutFor(service: string, environment: string): Promise<{ name: string; spec: RolloutSpec }> {
    const all = await this.resources.list<RolloutSpec>(SHIPGATE_API_VERSION, 'Rollout');
    const m = all.find((r) => r.manifest.spec.service === service && (r.manifest.spec.environment ?? 'production') === environment);
    if (!m) {
      const known = all.map((r) => `${r.manifest.spec.service}/${r.manifest.spec.environment}`).join(', ') || 'none';
      throw new NotFoundError(`no Rollout for service "${service}" in environment "${environment}"; apply one first (known: ${known})`);
    }
    return { name: m.manifest.metadata.name, spec: m.manifest.spec };
  }

  async release(input: ReleaseInput, actor: Principal): Promise<RunState> {
    const { name, spec } = await this.rolloutFor(input.service, input.environment);
    const stable = await this.store.stableRevision(input.service, input.environment);
    const draft = {
      version: input.version,
      // A reference substituted into the admin's command template, never a command (checked by the route).
      artifact: input.artifact ?? '',
      // Real values: what instances get and what the config hash (the change request's binding) covers.
      config: mergeConfig(stable?.config ?? {}, splitSets(input.set).values),
      secretKeys: mergeSecretKeys(stable?.secretKeys ?? [], input.set),
    };
    const binding = bindingOf(draft);
    if (stable && stable.digest === makeRevision({ ...draft, service: input.service, environment: input.environment, number: 0, createdAt: '' }).digest) {
      throw new ConflictError(
        `${input.service} in ${input.environment} already runs this exact revision (${stable.id}, version ${stable.version}); change the version or the config`,
      );
    }
    const sized = await this.sizeFor(input.service, input.environment, spec);
    const auth = await this.authorize(
      'release',
      input.service,
      input.environment,
      binding,
      {
        changeId: input.changeId,
        emergency: input.emergency,
        verify: spec.verify,
        instances: sized.replicas,
        ...(sized.capacity ? { capacity: sized.capacity } : {}),
      },
      actor,
    );
    const number = await this.store.nextRevisionNumber(input.service, input.environment);
    const revision = makeRevision({
      ...draft,
      service: input.service,
      environment: input.environment,
      number,
      createdAt: new Date(this.clock.now()).toISOString(),
    });
    return this.startRun(
      { name, spec },
      stable ?? null,
      revision,
      actor.user,
      auth,
      async (trx) => this.store.insertRevision(trx, revision),
      'release',
      sized.replicas,
      sized.settle,
    );
  }

  /** Starts the last rolled-back release again, same revision, through the authorisation path. */
  async retry(service: string, environment: string, actor: Principal, opts: GateOptions = {}): Promise<RunState> {
    const last = (await this.store.runs(service, environment, 1))[0];
    if (!last) throw new NotFoundError(`no release of ${service} in ${environment} yet`);
    if (last.phase !== 'rolledBack')
      throw new ConflictError(`the last release of ${service} in ${environment} is ${last.phase}; only a rolled-back release can be retried`);
    const rollout = await this.rolloutFor(service, environment);
    const stable = await this.store.stableRevision(service, environment);
    const to = (await this.store.revision(last.toRevision))!;
    const sized = await this.sizeFor(service, environment, rollout.spec);
    const auth = await this.authorize(
      'retry',
      service,
      environment,
      bindingOf(to),
      { ...opts, verify: rollout.spec.verify, instances: sized.replicas, ...(sized.capacity ? { capacity: sized.capacity } : {}) },
      actor,
    );
    return this.startRun(rollout, stable ?? null, to, actor.user, auth, undefined, 'retry', sized.replicas, sized.settle);
  }

  /**
   * Releases an earlier revision again (default: the one before the serving revision), whole:
   * version, artifact and config. Only a revision that once served (its release completed) can be
   * gone back to; a rolled-back revision never proved itself.
   */
  async undo(service: string, environment: string, toRevision: number | undefined, actor: Principal, opts: GateOptions = {}): Promise<RunState> {
    const rollout = await this.rolloutFor(service, environment);
    const stable = await this.store.stableRevision(service, environment);
    if (!stable) throw new ConflictError(`${service} in ${environment} has no serving revision to undo`);
    const completed = (await this.store.runs(service, environment, 1000)).filter((r) => r.phase === 'completed');
    let target: Revision | undefined;
    if (toRevision !== undefined) {
      target = (await this.store.revisions(service, environment)).find((r) => r.number === toRevision);
      if (!target) throw new NotFoundError(`${service} in ${environment} has no revision ${toRevision}`);
      if (!completed.some((r) => r.toRevision === target!.id)) {
        const served = [...new Set(completed.map((r) => r.toRevision))].map((id) => id.split('.').pop()).join(', ') || 'none';
        throw new ConflictError(
          `revision ${toRevision} (version ${target.version}) never served ${service} in ${environment}: its release did not complete; undo goes back to revisions that served (${served})`,
          { rule: 'undo-to-served' },
        );
      }
    } else {
      const prev = completed.find((r) => r.toRevision === stable.id && r.fromRevision)?.fromRevision;
      target = prev ? await this.store.revision(prev) : undefined;
      if (!target) throw new ConflictError(`${service} in ${environment} has no earlier revision to go back to`);
    }
    if (target.id === stable.id) throw new ConflictError(`revision ${target.number} is already serving`);
    const sized = await this.sizeFor(service, environment, rollout.spec);
    const auth = await this.authorize('undo', service, environment, bindingOf(target), { ...opts, instances: sized.replicas }, actor);
    return this.startRun(rollout, stable, target, actor.user, auth, undefined, 'undo', sized.replicas, sized.settle);
  }

  private async startRun(
    rollout: { name: string; spec: RolloutSpec },
    stable: Revision | null,
    to: Revision,
    actor: string,
    auth: Authorization | undefined,
    extra: ((trx: Tx) => Promise<void>) | undefined,
    why: string,
    replicas = rollout.spec.target.replicas,
    settle = rollout.spec.target.replicas,
  ): Promise<RunState> {
    const changeId = auth?.changeId ?? null;
    const { spec } = rollout;
    const active = await this.store.activeRun(to.service, to.environment);
    if (active)
      throw new ConflictError(`a rollout of ${to.service} in ${to.environment} is already ${active.phase} (run ${active.id}); promote, abort or wait for it`, {
        run: active.id,
      });
    const now = this.clock.now();
    const run = sm.newRun({
      id: newId('run', now),
      service: to.service,
      environment: to.environment,
      rollout: rollout.name,
      strategy: stable ? strategyName(spec.strategy) : 'canary',
      fromRevision: stable?.id ?? null,
      toRevision: to.id,
      fromVersion: stable?.version ?? null,
      toVersion: to.version,
      replicas,
      spec,
      createdAtMs: now,
      actor,
      changeId,
      plan: withPreScale(planRelease(spec.strategy, replicas, stable !== null, spec.postPromotion?.window), replicas, settle, stable !== null),
    });
    try {
      // The change request moves to implement in the transaction that inserts its run.
      return await this.journal.start(run, actor, async (trx) => {
        await extra?.(trx);
        await auth?.claim(trx, run.id);
      });
    } catch (e) {
      // Two releases racing: the second insert of the same revision number or active run loses.
      if (/unique|duplicate/i.test(String((e as Error).message)))
        throw new ConflictError(`another ${why} of ${to.service} in ${to.environment} started at the same time; try again`);
      throw e;
    }
  }

  /** Asks the one authorisation path; without the change capability nothing is gated. */
  private async authorize(
    action: GateAction,
    service: string,
    environment: string,
    revision: RevisionBinding | undefined,
    opts: GateOptions,
    actor: Principal,
  ): Promise<Authorization | undefined> {
    const auth = this.authorizer();
    if (!auth) return undefined;
    return auth.authorize(
      action,
      {
        service,
        environment,
        revision,
        changeId: opts.changeId,
        emergency: opts.emergency !== undefined ? { reason: opts.emergency } : undefined,
        title: `${action} ${service} ${revision?.version ?? ''}`.trim(),
        kind: 'code',
        verify: opts.verify,
        ...(opts.capacity ? { capacity: opts.capacity } : {}),
        ...(opts.instances !== undefined ? { instances: opts.instances } : {}),
      },
      actor,
    );
  }

  async activeOrThrow(service: string, environment: string): Promise<RunState> {
    const run = await this.store.activeRun(service, environment);
    if (!run) throw new ConflictError(`no rollout of ${service} in ${environment} is in progress`);
    return run;
  }

  async command(service: string, environment: string, cmd: 'promote' | 'promoteFull' | 'pause' | 'resume' | 'abort', actor: Principal): Promise<RunState> {
    const run = await this.activeOrThrow(service, environment);
    // Promoting and resuming put more users on the new revision: the same gate as a release.
    // Pausing and aborting only reduce exposure and are never held back.
    const gated = cmd === 'promote' || cmd === 'promoteFull' || cmd === 'resume';
    const auth = gated ? await this.authorizer()?.authorize('promote', { service, environment, changeId: run.changeId ?? undefined }, actor) : undefined;
    const now = this.clock.now();
    let next: RunState;
    switch (cmd) {
      case 'promote':
        next = sm.promoteRun(run, false, now);
        break;
      case 'promoteFull':
        next = sm.promoteRun(run, true, now);
        break;
      case 'pause':
        next = sm.pauseRun(run, 'user', now);
        break;
      case 'resume':
        next = sm.resumeRun(run, now);
        break;
      case 'abort':
        if (run.phase === 'rollingBack') throw new ConflictError(`rollout run ${run.id} is already rolling back`);
        next = sm.decideRollback(run, 'aborted', `aborted by ${actor.user}`, actor.user, now);
        break;
    }
    const event =
      cmd === 'abort' ? 'rollback.decided' : cmd === 'promoteFull' ? 'promoted.full' : cmd === 'promote' ? 'promoted' : cmd === 'pause' ? 'paused' : 'resumed';
    return this.journal.commit(
      run,
      next,
      event,
      actor.user,
      { command: cmd, ...(cmd === 'abort' ? { reason: 'aborted' } : {}) },
      auth ? (trx) => auth.claim(trx, run.id) : undefined,
    );
  }

  /** Checks a version string given on the command line or in a body. */
  static checkVersion(v: string): void {
    if (!VERSION_RE.test(v))
      throw new InputError(`invalid version "${v}"`, [{ path: 'version', message: 'expected letters, digits, "-", "." or "_" (at most 50)' }]);
  }
}
