import type { Principal } from '../auth/roles';
import type { Clock } from '../core/clock';
import { ConflictError, InputError, NotAllowedError, NotFoundError } from '../core/errors';
import type { ChangeAuthorization } from '../core/hooks';
import { newId } from '../core/ids';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import type { ResourceStore } from '../resources/resource-store';
import type { Tx } from '../store/db';
import { planRelease } from './plan';
import { makeRevision, mergeConfig, type Revision } from './revision';
import { strategyName, type RolloutSpec } from './rollout-spec';
import type { RolloutStore } from './rollout-store';
import type { RunJournal } from './run-journal';
import * as sm from './run-state';
import type { RunState } from './run-state';

export interface ReleaseInput {
  service: string;
  environment: string;
  version: string;
  /** KEY=VALUE config changes on top of the serving revision's config ('' removes a key). */
  set: Record<string, string>;
  /** Reference put into the target's `{artifact}` placeholder, or approved URLs (static); default none. */
  artifact?: string;
  changeId?: string;
}

/** Releases, commands on runs (promote, pause, resume, abort), retry and undo. */
export class RolloutService {
  constructor(
    private readonly store: RolloutStore,
    private readonly journal: RunJournal,
    private readonly resources: ResourceStore,
    private readonly clock: Clock,
    private readonly changeAuthorization: () => ChangeAuthorization | undefined,
  ) {}

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
    const changeId = await this.authorize(input, actor);
    const now = this.clock.now();
    const number = await this.store.nextRevisionNumber(input.service, input.environment);
    const revision = makeRevision({
      service: input.service,
      environment: input.environment,
      number,
      version: input.version,
      // A reference substituted into the admin's command template, never a command (checked by the route).
      artifact: input.artifact ?? '',
      config: mergeConfig(stable?.config ?? {}, input.set),
      createdAt: new Date(now).toISOString(),
    });
    if (stable && stable.digest === revision.digest) {
      throw new ConflictError(`${input.service} in ${input.environment} already runs this exact revision (${stable.id}, version ${stable.version}); change the version or the config`);
    }
    return this.startRun({ name, spec }, stable ?? null, revision, actor.user, changeId ?? null, async (trx) => this.store.insertRevision(trx, revision), 'release');
  }

  /** Starts the last rolled-back release again, same revision. */
  async retry(service: string, environment: string, actor: Principal): Promise<RunState> {
    const last = (await this.store.runs(service, environment, 1))[0];
    if (!last) throw new NotFoundError(`no release of ${service} in ${environment} yet`);
    if (last.phase !== 'rolledBack') throw new ConflictError(`the last release of ${service} in ${environment} is ${last.phase}; only a rolled-back release can be retried`);
    const rollout = await this.rolloutFor(service, environment);
    const stable = await this.store.stableRevision(service, environment);
    const to = (await this.store.revision(last.toRevision))!;
    return this.startRun(rollout, stable ?? null, to, actor.user, last.changeId, undefined, 'retry');
  }

  /** Releases an earlier revision again (default: the one before the serving revision), whole: version, artifact and config. */
  async undo(service: string, environment: string, toRevision: number | undefined, actor: Principal): Promise<RunState> {
    const rollout = await this.rolloutFor(service, environment);
    const stable = await this.store.stableRevision(service, environment);
    if (!stable) throw new ConflictError(`${service} in ${environment} has no serving revision to undo`);
    let target: Revision | undefined;
    if (toRevision !== undefined) {
      target = (await this.store.revisions(service, environment)).find((r) => r.number === toRevision);
      if (!target) throw new NotFoundError(`${service} in ${environment} has no revision ${toRevision}`);
    } else {
      const completed = (await this.store.runs(service, environment, 200)).filter((r) => r.phase === 'completed');
      const prev = completed.find((r) => r.toRevision === stable.id && r.fromRevision)?.fromRevision;
      target = prev ? await this.store.revision(prev) : undefined;
      if (!target) throw new ConflictError(`${service} in ${environment} has no earlier revision to go back to`);
    }
    if (target.id === stable.id) throw new ConflictError(`revision ${target.number} is already serving`);
    return this.startRun(rollout, stable, target, actor.user, null, undefined, 'undo');
  }

  private async startRun(
    rollout: { name: string; spec: RolloutSpec },
    stable: Revision | null,
    to: Revision,
    actor: string,
    changeId: string | null,
    extra: ((trx: Tx) => Promise<void>) | undefined,
    why: string,
  ): Promise<RunState> {
    const { spec } = rollout;
    const active = await this.store.activeRun(to.service, to.environment);
    if (active) throw new ConflictError(`a rollout of ${to.service} in ${to.environment} is already ${active.phase} (run ${active.id}); promote, abort or wait for it`, { run: active.id });
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
      replicas: spec.target.replicas,
      spec,
      createdAtMs: now,
      actor,
      changeId,
      plan: planRelease(spec.strategy, spec.target.replicas, stable !== null),
    });
    try {
      return await this.journal.start(run, actor, extra);
    } catch (e) {
      // Two releases racing: the second insert of the same revision number or active run loses.
      if (/unique|duplicate/i.test(String((e as Error).message))) throw new ConflictError(`another ${why} of ${to.service} in ${to.environment} started at the same time; try again`);
      throw e;
    }
  }

  private async authorize(input: ReleaseInput, actor: Principal): Promise<string | undefined> {
    const auth = this.changeAuthorization();
    if (!auth) return input.changeId;
    const r = await auth.authorizeRelease({ service: input.service, environment: input.environment, version: input.version, actor, changeId: input.changeId, atMs: this.clock.now() });
    if (!r.allowed) throw new NotAllowedError(`release of ${input.service} ${input.version} to ${input.environment} not authorised: ${r.reason}`, { changeId: r.changeId });
    return r.changeId;
  }

  async activeOrThrow(service: string, environment: string): Promise<RunState> {
    const run = await this.store.activeRun(service, environment);
    if (!run) throw new ConflictError(`no rollout of ${service} in ${environment} is in progress`);
    return run;
  }

  async command(service: string, environment: string, cmd: 'promote' | 'promoteFull' | 'pause' | 'resume' | 'abort', actor: Principal): Promise<RunState> {
    const run = await this.activeOrThrow(service, environment);
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
    const event = cmd === 'abort' ? 'rollback.decided' : cmd === 'promoteFull' ? 'promoted.full' : cmd === 'promote' ? 'promoted' : cmd === 'pause' ? 'paused' : 'resumed';
    return this.journal.commit(run, next, event, actor.user, { command: cmd, ...(cmd === 'abort' ? { reason: 'aborted' } : {}) });
  }

  /** Checks a version string given on the command line or in a body. */
  static checkVersion(v: string): void {
    if (!/^[A-Za-z0-9][-A-Za-z0-9._]{0,49}$/.test(v)) throw new InputError(`invalid version "${v}"`, [{ path: 'version', message: 'expected letters, digits, "-", "." or "_" (at most 50)' }]);
  }
}
