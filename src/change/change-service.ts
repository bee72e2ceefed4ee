/**
 * Change requests: create, submit, approve, reject, schedule, implement, complete, review,
 * cancel. Every transition goes through the pure state machine, segregation-of-duties checks
 * look at people (never roles), and each mutation commits with its audit event.
 */
import type { ServerContext } from '../core/capability';
import type { Principal } from '../auth/roles';
import { ConflictError, InputError, NotAllowedError, RefusedError } from '../core/errors';
import { HOOKS, type EvidenceSummary, type RevisionBinding } from '../core/hooks';
import { templateMismatch } from './standard-template';
import { transaction, type Tx } from '../store/db';
import type { AuditLog } from '../audit/audit-log';
import { isReviewOverdue, isTerminal, transition, reviewReasons, type ChangeEvent, type ChangeOutcome, type ChangeType } from './change-state-machine';
import { ChangeStore, type ChangeRequest, type ChangeFilter, type ChangeStorePort } from './change-store';
import { approvalStatus, canContribute, groupsOf, requiredApprovals } from './approval-policy';
import {
  assertIrreversibleApprovals,
  assertMayApprove,
  assertMayImplement,
  assertMayRecordCompensatingReview,
  irreversibleApprovalsMet,
  type SodSubject,
} from './change-sod';
import { assessPoints, type ChangeKind } from './risk-points';
import { blendedRisk } from './risk-model';
import { RiskModelCache } from './risk-model-cache';
import { budgetFor, environmentKindOf, loadFacts, riskInputFor, tierOf, type FactsSnapshot } from './change-facts';
import { insideFreeze } from './change-conflicts';
import { isFailure } from './dora-metrics';
import { buildView, conflictsOf, type ChangeView } from './change-view';

const DAY_MS = 86_400_000;

export interface CreateChangeInput {
  service: string;
  environment: string;
  type: ChangeType;
  title: string;
  kind?: ChangeKind;
  description?: string;
  rollbackPlan?: string;
  oncall?: string;
  irreversible?: boolean;
  linesChanged?: number;
  version?: string;
  scheduledStartMs?: number;
  scheduledEndMs?: number;
  /** StandardChangeTemplate a standard change comes from (required for `standard`). */
  template?: string;
  /** Why an emergency change cannot wait (required for `emergency`). */
  emergencyReason?: string;
  /** The exact revision an approval of this change covers (computed from `version` when absent). */
  binding?: RevisionBinding;
  /** Artifact reference and config changes the release would ship, to compute the binding. */
  artifact?: string;
  set?: Record<string, string>;
}

/** What ChangeService stores through: its tables, the learned risk model, one transaction with the audit log. */
export interface ChangeServiceDeps {
  store: ChangeStorePort;
  models: Pick<RiskModelCache, 'model' | 'samples'>;
  /** Runs `fn` in one transaction: the change, its approvals and its audit event commit together. */
  transaction: <T>(fn: (trx: Tx) => Promise<T>) => Promise<T>;
  audit: Pick<AuditLog, 'append'>;
}

/** The store-backed dependencies of a server's ChangeService. */
export function changeServiceDeps(ctx: ServerContext): ChangeServiceDeps {
  return { store: new ChangeStore(ctx.db), models: new RiskModelCache(ctx.db), transaction: (fn) => transaction(ctx.db, fn), audit: ctx.audit };
}

export class ChangeService {
  readonly store: ChangeStorePort;
  readonly models: Pick<RiskModelCache, 'model' | 'samples'>;
  private readonly deps: ChangeServiceDeps;

  constructor(
    readonly ctx: ServerContext,
    deps: ChangeServiceDeps = changeServiceDeps(ctx),
  ) {
    this.deps = deps;
    this.store = deps.store;
    this.models = deps.models;
  }

  private now(): number {
    return this.ctx.clock.now();
  }

  async create(input: CreateChangeInput, actor: Principal): Promise<ChangeView> {
    const facts = await loadFacts(this.ctx);
    if (!facts.graph.service(input.service)) {
      const known = facts.graph.services().map((s) => s.name);
      throw new InputError(
        `service "${input.service}" is not in the catalog; known: ${known.length ? known.join(', ') : '(none; apply Service resources first)'}`,
        [{ path: 'service', message: 'unknown service' }],
      );
    }
    if (input.type === 'standard' && input.irreversible) {
      throw new InputError('an irreversible change cannot be standard (pre-approved); use --type normal', [
        { path: 'type', message: 'standard changes must be reversible' },
      ]);
    }
    checkSlot(input.scheduledStartMs, input.scheduledEndMs);
    if (input.type === 'emergency') assertMayDeclareEmergency(actor, input.emergencyReason);
    const binding = input.binding ?? (input.version ? await this.preview(input) : undefined);
    const draft = {
      ...this.draft(input, actor, facts),
      ...(binding ? { version: binding.version, artifact: binding.artifact, configHash: binding.configHash } : {}),
    };
    const assessed = await this.assess({ ...draft, id: '' }, facts);
    if (draft.type === 'standard') this.assertTemplate({ ...draft, ...assessed }, facts);
    if (draft.type !== 'emergency' && draft.scheduledStartMs !== null && assessed.riskInput?.insideFreeze) {
      const freeze = conflictsOf({ ...draft, id: '(new)' }, facts, [], this.now()).find((x) => x.kind === 'freeze');
      throw new NotAllowedError(
        `a ${draft.type} change cannot be scheduled ${freeze?.message ?? 'inside a freeze window'}; only an emergency change may cross a freeze`,
        {
          rule: 'freeze',
          window: freeze?.with,
        },
      );
    }
    const created = await this.deps.transaction(async (trx) => {
      const c = await this.store.insert(trx, { ...draft, ...assessed });
      await this.deps.audit.append(trx, { actor: actor.user, action: 'change.create', kind: 'ChangeRequest', name: c.id, after: c });
      return c;
    });
    return this.view(created.id, facts);
  }

  /** A change request as it would be created, not stored. */
  draft(input: CreateChangeInput, actor: Principal, facts: FactsSnapshot): Omit<ChangeRequest, 'id'> {
    const now = this.now();
    return {
      service: input.service,
      environment: input.environment,
      environmentKind: environmentKindOf(facts, input.environment),
      type: input.type,
      kind: input.kind ?? 'code',
      title: input.title,
      description: input.description ?? null,
      rollbackPlan: input.rollbackPlan ?? null,
      oncall: input.oncall ?? null,
      irreversible: input.irreversible ?? false,
      linesChanged: input.linesChanged ?? null,
      version: input.version ?? null,
      artifact: null,
      configHash: null,
      template: input.template ?? null,
      runId: null,
      emergencyReason: input.emergencyReason?.trim() || null,
      rowVersion: 0,
      state: 'new',
      author: actor.user,
      cycle: 1,
      createdAtMs: now,
      updatedAtMs: now,
      submittedAtMs: null,
      authorizedAtMs: null,
      scheduledStartMs: input.scheduledStartMs ?? null,
      scheduledEndMs: input.scheduledEndMs ?? null,
      implementedAtMs: null,
      implementer: null,
      completedAtMs: null,
      outcome: null,
      closedAtMs: null,
      risk: null,
      riskInput: null,
      requirements: null,
      reviewReasons: [],
      budgetRemainingAtImplement: null,
    };
  }

  /** Risk (points, blended probability) and the approvals the change needs, from current facts. */
  async assess(c: ChangeRequest, facts: FactsSnapshot): Promise<Pick<ChangeRequest, 'risk' | 'riskInput' | 'requirements'>> {
    const now = this.now();
    const budget = await budgetFor(this.ctx, c.service, c.environment, now);
    const recent = await this.store.list({ service: c.service, createdSinceMs: now - 90 * DAY_MS });
    const recentFailures = recent.filter((x) => x.id !== c.id && x.outcome && isFailure(x.outcome) && (x.completedAtMs ?? 0) >= now - 30 * DAY_MS).length;
    // Verification evidence that found an irreversible change (a DROP) is a fact of the change, whatever it says.
    const evidence = await this.evidenceOf(c);
    const riskInput = riskInputFor(
      { ...c, irreversible: c.irreversible || evidence.some((e) => e.irreversible) },
      facts,
      budget,
      recentFailures,
      now,
      await this.capacityShortfall(c),
      (await this.ctx.services.get(HOOKS.drills)?.overdue({ service: c.service, atMs: now }))?.map(
        (d) => `${d.name} (due ${new Date(d.dueAtMs).toISOString().slice(0, 10)})`,
      ),
    );
    const points = assessPoints(riskInput);
    const blended = blendedRisk(riskInput, await this.models.model());
    const requirements = requiredApprovals(
      { type: c.type, level: points.level, tier: tierOf(facts, c.service), environment: c.environment, service: c.service, irreversible: c.irreversible },
      facts.policies,
    );
    return { risk: { ...points, blended }, riskInput, requirements };
  }

  /**
   * A release of a service whose Rollout states its capacity (`spec.capacity.perInstance`): the
   * plan's arithmetic when its replicas fall short of the forecast peak. No forecast, no Rollout or
   * no statement: nothing known. Reads stored series only.
   */
  private async capacityShortfall(c: ChangeRequest): Promise<string | undefined> {
    if (c.version === null) return undefined;
    const rollout = (await this.ctx.services.get(HOOKS.deployments)?.rollouts(c.environment))?.find((r) => r.service === c.service);
    const plans = this.ctx.services.get(HOOKS.capacityPlan);
    if (!rollout?.capacity || !plans) return undefined;
    const p = await plans.plan({ service: c.service, environment: c.environment, ...rollout.capacity, replicas: rollout.replicas }).catch(() => undefined);
    return p && 'needed' in p && !p.fits ? p.message : undefined;
  }

  /**
   * Loads the change in a transaction, lets `fn` change it, then stores it with one audit event.
   * `fn` returns the new change and extra audit details.
   */
  private async mutate(
    id: string,
    actor: Principal,
    action: string,
    fn: (c: ChangeRequest, trx: Tx) => Promise<{ next: ChangeRequest; details?: Record<string, unknown> }>,
  ): Promise<ChangeRequest> {
    return this.deps.transaction(async (trx) => {
      const before = await this.store.get(id, trx);
      const { next, details } = await fn(before, trx);
      next.updatedAtMs = this.now();
      const stored = await this.store.update(trx, next);
      await this.deps.audit.append(trx, {
        actor: actor.user,
        action: `change.${action}`,
        kind: 'ChangeRequest',
        name: before.id,
        before,
        after: next,
        details: { from: before.state, to: next.state, ...details },
      });
      return stored;
    });
  }

  /** Applies a state-machine event or throws with the rule that refused it. */
  private step(c: ChangeRequest, event: ChangeEvent): ChangeRequest {
    const r = transition(c, event);
    if (!r.ok) {
      const Err = r.rule === 'freeze' ? NotAllowedError : ConflictError;
      throw new Err(`change request ${c.id}: ${r.reason}`, { rule: r.rule, state: c.state });
    }
    return { ...c, state: r.to };
  }

  async submit(id: string, actor: Principal): Promise<ChangeView> {
    const facts = await loadFacts(this.ctx);
    const current = await this.store.get(id);
    const assessed = await this.assess(current, facts);
    if (current.type === 'standard') this.assertTemplate({ ...current, ...assessed }, facts);
    const c = await this.mutate(id, actor, 'submit', async (c) => {
      let next = this.step({ ...c, ...assessed }, { type: 'submit' });
      next.submittedAtMs = this.now();
      if (next.state === 'assess' || next.state === 'authorize') {
        const st = approvalStatus(next.requirements!.requirements, [], next.author);
        next = this.step(next, { type: 'approvalsUpdated', assessDone: st.assessDone, authorizeDone: st.authorizeDone });
      }
      if (next.state === 'scheduled') next.authorizedAtMs = this.now();
      return { next, details: { risk: next.risk?.level, points: next.risk?.points } };
    });
    return this.view(c.id, facts);
  }

  async approve(id: string, actor: Principal, comment?: string): Promise<ChangeView> {
    const facts = await loadFacts(this.ctx);
    const groups = groupsOf(actor.user, facts.policies);
    const c = await this.mutate(id, actor, 'approve', async (c, trx) => {
      if (c.state !== 'assess' && c.state !== 'authorize') this.step(c, { type: 'approvalsUpdated', assessDone: false, authorizeDone: false });
      const approvals = (await this.store.approvals(c.id, c.cycle, trx)).filter((a) => a.decision === 'approve');
      assertMayApprove(
        actor,
        this.sodSubject(
          c,
          approvals.map((a) => a.user),
          [],
        ),
      );
      const req = c.requirements!;
      if (req.requireRollbackPlan && !c.rollbackPlan) {
        throw new NotAllowedError(
          `change request ${c.id} is ${c.risk?.level ?? 'high'} risk: it cannot be approved without a rollback plan (policy.rollback-plan-required)`,
          { rule: 'policy.rollback-plan-required' },
        );
      }
      if (req.requireOncall && !c.oncall) {
        throw new NotAllowedError(
          `change request ${c.id} is ${c.risk?.level ?? 'high'} risk: it cannot be approved without an assigned on-call engineer (policy.oncall-required)`,
          { rule: 'policy.oncall-required' },
        );
      }
      const records = approvals.map((a) => ({ user: a.user, groups: a.groups }));
      const before = approvalStatus(req.requirements, records, c.author);
      if (!canContribute(before, actor.user, groups)) {
        const open = before.requirements.filter((r) => !r.met).map((r) => `${r.count - r.approvers.length} more from ${r.group ?? 'peers'}`);
        throw new NotAllowedError(
          `${actor.user} cannot meet any open approval requirement of ${c.id}; still needed: ${open.join(', ') || 'nothing'} (policy.no-open-requirement)`,
          {
            rule: 'policy.no-open-requirement',
          },
        );
      }
      await this.store.addApproval(trx, {
        changeId: c.id,
        cycle: c.cycle,
        user: actor.user,
        role: actor.role,
        decision: 'approve',
        groups,
        comment: comment ?? null,
        atMs: this.now(),
      });
      const st = approvalStatus(req.requirements, [...records, { user: actor.user, groups }], c.author);
      const irreversibleOk = !c.irreversible || irreversibleApprovalsMet(this.sodSubject(c, [...approvals.map((a) => a.user), actor.user], []));
      const next = this.step(c, { type: 'approvalsUpdated', assessDone: st.assessDone, authorizeDone: st.authorizeDone && irreversibleOk });
      if (next.state === 'scheduled') next.authorizedAtMs = this.now();
      return { next, details: { comment, groups } };
    });
    return this.view(c.id, facts);
  }

  async reject(id: string, actor: Principal, comment?: string): Promise<ChangeView> {
    const c = await this.mutate(id, actor, 'reject', async (c, trx) => {
      const next = this.step(c, { type: 'reject' });
      await this.store.addApproval(trx, {
        changeId: c.id,
        cycle: c.cycle,
        user: actor.user,
        role: actor.role,
        decision: 'reject',
        groups: [],
        comment: comment ?? null,
        atMs: this.now(),
      });
      // A new round: approvals of the rejected round no longer count.
      return { next: { ...next, cycle: c.cycle + 1, submittedAtMs: null }, details: { comment } };
    });
    return this.view(c.id);
  }

  async schedule(id: string, actor: Principal, slot: { startMs: number; endMs?: number }): Promise<ChangeView> {
    checkSlot(slot.startMs, slot.endMs);
    const facts = await loadFacts(this.ctx);
    const current = await this.store.get(id);
    if (!['new', 'assess', 'authorize', 'scheduled'].includes(current.state)) {
      throw new ConflictError(`change request ${current.id} is in ${current.state}; only a change not yet implemented can be scheduled`, {
        rule: 'schedule-before-implement',
      });
    }
    const planned = { ...current, scheduledStartMs: slot.startMs, scheduledEndMs: slot.endMs ?? null };
    const view0 = await this.view(current.id, facts, planned);
    const freeze = view0.conflicts.find((x) => x.kind === 'freeze');
    if (freeze && current.type !== 'emergency') {
      throw new NotAllowedError(`change request ${current.id} cannot be scheduled ${freeze.message}; only an emergency change may cross a freeze`, {
        rule: 'freeze',
        window: freeze.with,
      });
    }
    const assessed = await this.assess(planned, facts);
    const c = await this.mutate(id, actor, 'schedule', async (c) => {
      // Approvals already given stand; the level recorded at submission keeps deciding them.
      const next = { ...c, scheduledStartMs: slot.startMs, scheduledEndMs: slot.endMs ?? null, risk: assessed.risk, riskInput: assessed.riskInput };
      if (c.state === 'new') next.requirements = assessed.requirements;
      return { next, details: { startMs: slot.startMs, endMs: slot.endMs, conflicts: view0.conflicts.map((x) => x.kind) } };
    });
    return this.view(c.id, facts);
  }

  async implement(id: string, actor: Principal): Promise<ChangeView> {
    const facts = await loadFacts(this.ctx);
    const current = await this.store.get(id);
    const budget = await budgetFor(this.ctx, current.service, current.environment, this.now());
    const frozen = insideFreeze(
      facts.windows,
      { service: current.service, tier: tierOf(facts, current.service), environment: current.environment },
      this.now(),
    );
    const c = await this.mutate(id, actor, 'implement', async (c, trx) => {
      const approvers = (await this.store.approvals(c.id, c.cycle, trx)).filter((a) => a.decision === 'approve').map((a) => a.user);
      const reviewers = (await this.store.reviews(c.id, trx)).filter((r) => r.kind === 'compensating').map((r) => r.user);
      // Segregation of duties first, so an irreversible change short of two approvers is refused by that rule.
      if (c.irreversible && !isTerminal(c.state)) assertIrreversibleApprovals(this.sodSubject(c, approvers, reviewers));
      const next = this.step(c, { type: 'implement', insideFreeze: frozen !== undefined });
      assertMayImplement(actor, this.sodSubject(c, approvers, reviewers));
      return {
        next: { ...next, implementer: actor.user, implementedAtMs: this.now(), budgetRemainingAtImplement: budget.budgetRemainingFraction ?? null },
        details: frozen ? { crossedFreeze: frozen } : {},
      };
    });
    return this.view(c.id, facts);
  }

  async complete(id: string, actor: Principal, input: { outcome: ChangeOutcome; budgetConsumedFraction?: number }): Promise<ChangeView> {
    const current = await this.store.get(id);
    let consumed = input.budgetConsumedFraction;
    if (consumed === undefined && current.budgetRemainingAtImplement !== null) {
      const now = await budgetFor(this.ctx, current.service, current.environment, this.now());
      if (now.budgetRemainingFraction !== undefined) consumed = Math.max(0, current.budgetRemainingAtImplement - now.budgetRemainingFraction);
    }
    const c = await this.mutate(id, actor, 'complete', async (c) => {
      const reasons = reviewReasons({ type: c.type, outcome: input.outcome, budgetConsumedFraction: consumed });
      const next = this.step(c, { type: 'complete', outcome: input.outcome, reviewRequired: reasons.length > 0 });
      const t = this.now();
      return {
        next: { ...next, outcome: input.outcome, completedAtMs: t, closedAtMs: next.state === 'closed' ? t : null, reviewReasons: reasons },
        details: { outcome: input.outcome, budgetConsumedFraction: consumed, reviewReasons: reasons },
      };
    });
    return this.view(c.id);
  }

  async review(id: string, actor: Principal, input: { summary: string; compensating?: boolean }): Promise<ChangeView> {
    const c = await this.mutate(id, actor, input.compensating ? 'compensating-review' : 'review', async (c, trx) => {
      if (input.compensating) {
        if (!['assess', 'authorize', 'scheduled'].includes(c.state)) {
          throw new ConflictError(`change request ${c.id} is in ${c.state}; a compensating review is recorded before implementation`, {
            rule: 'compensating-before-implement',
          });
        }
        const approvers = (await this.store.approvals(c.id, c.cycle, trx)).filter((a) => a.decision === 'approve').map((a) => a.user);
        assertMayRecordCompensatingReview(actor, this.sodSubject(c, approvers, []));
        await this.store.addReview(trx, { changeId: c.id, kind: 'compensating', user: actor.user, summary: input.summary, late: false, atMs: this.now() });
        return { next: { ...c }, details: { summary: input.summary } };
      }
      const late = isReviewOverdue(c, this.now());
      const next = this.step(c, { type: 'review' });
      await this.store.addReview(trx, { changeId: c.id, kind: 'post-implementation', user: actor.user, summary: input.summary, late, atMs: this.now() });
      return { next: { ...next, closedAtMs: this.now() }, details: { summary: input.summary, late } };
    });
    return this.view(c.id);
  }

  async cancel(id: string, actor: Principal, reason?: string): Promise<ChangeView> {
    const c = await this.mutate(id, actor, 'cancel', async (c) => ({
      next: { ...this.step(c, { type: 'cancel' }), closedAtMs: this.now() },
      details: { reason },
    }));
    return this.view(c.id);
  }

  /** The revision a release of `input.version` would run, from the rollout capability. */
  private async preview(input: CreateChangeInput): Promise<RevisionBinding | undefined> {
    const p = this.ctx.services.get(HOOKS.revisionPreview);
    if (!p || !input.version) return undefined;
    return p.preview({ service: input.service, environment: input.environment, version: input.version, artifact: input.artifact, set: input.set });
  }

  /** A standard change must name a StandardChangeTemplate that covers it, risk included. */
  private assertTemplate(c: Omit<ChangeRequest, 'id'>, facts: FactsSnapshot): void {
    const names = facts.templates.map((t) => t.name);
    const hint = names.length ? `templates: ${names.join(', ')}` : 'no StandardChangeTemplate is applied';
    if (!c.template) {
      throw new RefusedError(
        'STANDARD_TEMPLATE_REQUIRED',
        `a standard change must name the StandardChangeTemplate it comes from (--template; ${hint}); otherwise create it as normal`,
        { templates: names },
      );
    }
    const t = facts.templates.find((x) => x.name === c.template);
    if (!t) throw new RefusedError('STANDARD_TEMPLATE_REQUIRED', `no StandardChangeTemplate "${c.template}" (${hint})`, { template: c.template });
    const why = templateMismatch(t.spec, { service: c.service, environment: c.environment, kind: c.kind, irreversible: c.irreversible, level: c.risk?.level });
    if (why)
      throw new RefusedError(
        'STANDARD_TEMPLATE_REQUIRED',
        `StandardChangeTemplate ${t.name} does not cover this change: ${why}; create it as a normal change`,
        { template: t.name },
      );
  }

  /**
   * Starts implementing a scheduled change for run `runId` inside the caller's transaction (the
   * run insert's), with the same checks as `implement`. Facts that need I/O come in `facts`.
   */
  async claimIn(
    trx: Tx,
    id: string,
    actor: Principal,
    runId: string,
    facts: { frozen?: string; budgetRemaining?: number; rowVersion: number },
  ): Promise<ChangeRequest> {
    const c = await this.store.get(id, trx);
    if (c.rowVersion !== facts.rowVersion)
      throw new ConflictError(`change request ${c.id} changed while the action was being authorised; try again`, { rule: 'stale-update' });
    const approvers = (await this.store.approvals(c.id, c.cycle, trx)).filter((a) => a.decision === 'approve').map((a) => a.user);
    const reviewers = (await this.store.reviews(c.id, trx)).filter((r) => r.kind === 'compensating').map((r) => r.user);
    if (c.irreversible) assertIrreversibleApprovals(this.sodSubject(c, approvers, reviewers));
    const stepped = this.step(c, { type: 'implement', insideFreeze: facts.frozen !== undefined });
    assertMayImplement(actor, this.sodSubject(c, approvers, reviewers));
    const now = this.now();
    const next: ChangeRequest = {
      ...stepped,
      implementer: actor.user,
      implementedAtMs: now,
      runId,
      budgetRemainingAtImplement: facts.budgetRemaining ?? null,
      updatedAtMs: now,
    };
    const stored = await this.store.update(trx, next);
    await this.deps.audit.append(trx, {
      actor: actor.user,
      action: 'change.implement',
      kind: 'ChangeRequest',
      name: c.id,
      before: c,
      after: stored,
      details: { from: c.state, to: stored.state, run: runId, ...(facts.frozen ? { crossedFreeze: facts.frozen } : {}) },
    });
    return stored;
  }

  /**
   * The budget consumed by a change since it was implemented, read before the transaction that
   * records its outcome (the SLO gate may ask a metric source over the network).
   */
  async consumedSince(c: ChangeRequest): Promise<number | undefined> {
    if (c.budgetRemainingAtImplement === null) return undefined;
    const now = await budgetFor(this.ctx, c.service, c.environment, this.now());
    return now.budgetRemainingFraction === undefined ? undefined : Math.max(0, c.budgetRemainingAtImplement - now.budgetRemainingFraction);
  }

  /** Records a change's outcome inside the caller's transaction (the run's terminal one). */
  async completeIn(trx: Tx, id: string, actor: string, outcome: ChangeOutcome, consumed: number | undefined): Promise<void> {
    const c = await this.store.get(id, trx);
    // Completed by hand meanwhile: the run's end does not move it again.
    if (c.state !== 'implement') return;
    const reasons = reviewReasons({ type: c.type, outcome, budgetConsumedFraction: consumed });
    const stepped = this.step(c, { type: 'complete', outcome, reviewRequired: reasons.length > 0 });
    const t = this.now();
    const next = { ...stepped, outcome, completedAtMs: t, closedAtMs: stepped.state === 'closed' ? t : null, reviewReasons: reasons, updatedAtMs: t };
    const stored = await this.store.update(trx, next);
    await this.deps.audit.append(trx, {
      actor,
      action: 'change.complete',
      kind: 'ChangeRequest',
      name: c.id,
      before: c,
      after: stored,
      details: { from: c.state, to: stored.state, outcome, budgetConsumedFraction: consumed, reviewReasons: reasons },
    });
  }

  private sodSubject(c: ChangeRequest, approvers: string[], compensatingReviewers: string[]): SodSubject {
    return { author: c.author, irreversible: c.irreversible, approvers, compensatingReviewers };
  }

  /** A change with its approvals, reviews, approval status, conflicts, review deadline and the verification evidence of its revision. */
  async view(id: string, facts?: FactsSnapshot, override?: ChangeRequest): Promise<ChangeView> {
    const f = facts ?? (await loadFacts(this.ctx));
    const c = override ?? (await this.store.get(id));
    const others = await this.store.list({ states: ['assess', 'authorize', 'scheduled', 'implement'] });
    return buildView(c, f, await this.store.approvals(c.id), await this.store.reviews(c.id), others, this.now(), await this.evidenceOf(c));
  }

  /** The latest verification evidence of the revision the change is bound to (none when unbound or without the verify capability). */
  private async evidenceOf(c: ChangeRequest): Promise<EvidenceSummary[]> {
    const hook = this.ctx.services.get(HOOKS.verifyEvidence);
    if (!hook || !c.version) return [];
    return hook.latest({ service: c.service, version: c.version, artifact: c.artifact ?? '' });
  }

  list(filter: ChangeFilter): Promise<ChangeRequest[]> {
    return this.store.list(filter);
  }
}

function checkSlot(startMs: number | undefined, endMs: number | undefined): void {
  if (endMs !== undefined && startMs === undefined)
    throw new InputError('an end needs a start', [{ path: 'scheduledEnd', message: 'give scheduledStart too' }]);
  if (endMs !== undefined && startMs !== undefined && endMs <= startMs)
    throw new InputError('the end must be after the start', [{ path: 'scheduledEnd', message: 'must be after scheduledStart' }]);
}

/** An emergency change is declared by on-call, with a reason: it is the one way past a freeze. */
export function assertMayDeclareEmergency(actor: Principal, reason: string | undefined): void {
  if (actor.role !== 'oncall') {
    throw new RefusedError(
      'EMERGENCY_NOT_ALLOWED',
      `only an on-call engineer (role oncall) may declare an emergency change; ${actor.user} has role ${actor.role}`,
      { role: actor.role },
    );
  }
  if (!reason?.trim()) throw new RefusedError('EMERGENCY_NOT_ALLOWED', 'an emergency change needs a reason (--reason "what cannot wait")');
}
