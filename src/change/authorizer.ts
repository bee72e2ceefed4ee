/**
 * The one authorisation path (HOOKS.authorizer). Every way to change what users get — release,
 * retry, undo, promote, a flag enabled or stepped in production, a route table applied — asks
 * here before it acts. In order: the actor's role, the error budget policy decision for the
 * service and environment, freeze windows, and the change request that authorises exactly this
 * revision. Each refusal is a RefusedError whose code names the rule and a `gate.refuse` audit
 * event; an allowed action writes `gate.allow` in the transaction that starts it.
 *
 * The emergency change (on-call only, with a reason) is the only way past a budget freeze or a
 * freeze window, and it is loud: a page-level notification and a review due at once.
 */
import type { Principal } from '../auth/roles';
import { RefusedError, type RefusalCode } from '../core/errors';
import { HOOKS, type Authorization, type Authorizer, type GateAction, type GateSubject } from '../core/hooks';
import { transaction, type Tx } from '../store/db';
import type { ChangeService } from './change-service';
import { budgetFor, loadFacts, tierOf, type FactsSnapshot } from './change-facts';
import { insideFreeze } from './change-conflicts';
import { irreversibleApprovalsMet } from './change-sod';
import type { ChangeRequest } from './change-store';
import {
  budgetDemand,
  bindingDifferences,
  continuesChange,
  describeDifferences,
  roleMayAct,
  slotRefusal,
  ACTION_ROLES,
  type BudgetDecision,
} from './gate-rules';
import { matchingTemplate } from './standard-template';

/** States in which a change request can still come to authorise an action. */
const OPEN_STATES = ['new', 'assess', 'authorize', 'scheduled'] as const;

/** Called once an emergency change is claimed: the page-level notification. */
export type EmergencyNotice = (trx: Tx, change: ChangeRequest, action: GateAction, actor: Principal) => Promise<void>;

export function createAuthorizer(svc: ChangeService, onEmergency: EmergencyNotice = async () => {}): Authorizer {
  const ctx = svc.ctx;

  async function refuse(
    action: GateAction,
    subject: GateSubject,
    actor: Principal,
    code: RefusalCode,
    message: string,
    details: Record<string, unknown> = {},
  ): Promise<never> {
    await transaction(ctx.db, (trx) =>
      ctx.audit.append(trx, {
        actor: actor.user,
        action: 'gate.refuse',
        kind: 'Gate',
        name: `${subject.service}/${subject.environment}`,
        details: { action, code, message, role: actor.role, ...(subject.revision ? { revision: subject.revision } : {}), ...details },
      }),
    );
    throw new RefusedError(code, message, { action, ...details });
  }

  /** An open change with this exact binding, or a new one (standard from a template, emergency on request, normal otherwise). */
  async function findOrCreate(action: GateAction, subject: GateSubject, actor: Principal, facts: FactsSnapshot): Promise<ChangeRequest> {
    const open = await svc.store.list({ service: subject.service, environment: subject.environment, states: [...OPEN_STATES] });
    const same = open.find(
      (c) =>
        (subject.emergency ? c.type === 'emergency' : c.type !== 'emergency') &&
        bindingDifferences(c, subject).length === 0 &&
        (subject.revision || c.version === null),
    );
    if (same) return same.state === 'new' ? svc.store.get((await svc.submit(same.id, actor)).id) : same;

    const kind = subject.kind ?? 'code';
    const base = {
      service: subject.service,
      environment: subject.environment,
      title: subject.title ?? `${action} ${subject.service}${subject.revision ? ` ${subject.revision.version}` : ''}`,
      kind,
      ...(subject.revision ? { version: subject.revision.version, binding: subject.revision } : {}),
    };
    let created: Awaited<ReturnType<typeof svc.create>>;
    if (subject.emergency) {
      created = await svc.create({ ...base, type: 'emergency', emergencyReason: subject.emergency.reason, description: subject.emergency.reason }, actor);
    } else {
      const preview = await svc.assess({ ...svc.draft({ ...base, type: 'normal' }, actor, facts), id: '' }, facts);
      const template = matchingTemplate(facts.templates, {
        service: subject.service,
        environment: subject.environment,
        kind,
        irreversible: false,
        level: preview.risk?.level,
      });
      created = await svc.create({ ...base, type: template ? 'standard' : 'normal', ...(template ? { template } : {}) }, actor);
    }
    await svc.submit(created.id, actor);
    return svc.store.get(created.id);
  }

  async function waitingFor(c: ChangeRequest): Promise<string> {
    const v = await svc.view(c.id);
    const waiting = (v.approvalStatus?.requirements ?? []).filter((r) => !r.met).map((r) => `${r.count - r.approvers.length} from ${r.group ?? 'peers'}`);
    return waiting.length ? `; awaiting approval: ${waiting.join(', ')} (shipgate change approve ${c.id})` : '';
  }

  return {
    async authorize(action, subject, actor): Promise<Authorization> {
      const now = ctx.clock.now();
      const no = (code: RefusalCode, message: string, details?: Record<string, unknown>) => refuse(action, subject, actor, code, message, details);

      // 1. The actor's role.
      if (!roleMayAct(action, actor.role)) {
        return no(
          'ROLE_NOT_ALLOWED',
          `${actor.user} (role ${actor.role}) may not ${action} ${subject.service} in ${subject.environment}; roles that may: ${['admin', ...ACTION_ROLES[action]].join(', ')}`,
        );
      }
      const named = subject.changeId ? await svc.store.get(subject.changeId) : undefined;
      if (subject.emergency && named && named.type !== 'emergency') {
        return no('EMERGENCY_NOT_ALLOWED', `change request ${named.id} is ${named.type}, not an emergency change; leave out --change to declare one`, {
          changeId: named.id,
        });
      }
      if (subject.emergency && (actor.role !== 'oncall' || !subject.emergency.reason.trim())) {
        return no(
          'EMERGENCY_NOT_ALLOWED',
          actor.role !== 'oncall'
            ? `only an on-call engineer (role oncall) may declare an emergency change; ${actor.user} has role ${actor.role}`
            : 'an emergency change needs a reason',
        );
      }
      const emergency = subject.emergency !== undefined || named?.type === 'emergency';

      // 2. The error budget policy decision. 3. Freeze windows.
      const [budget, facts] = await Promise.all([budgetFor(ctx, subject.service, subject.environment, now), loadFacts(ctx)]);
      const demand = budgetDemand(budget.decision as BudgetDecision, emergency);
      if (demand.refuse) {
        return no(
          demand.refuse,
          `the error budget policy halts changes to ${subject.service} in ${subject.environment}: ${budget.reason ?? budget.decision}; only an emergency change (on-call, --emergency "reason") may pass`,
          { budgetDecision: budget.decision },
        );
      }
      const frozen = insideFreeze(facts.windows, { service: subject.service, tier: tierOf(facts, subject.service), environment: subject.environment }, now);
      if (frozen && !emergency) {
        return no(
          'OUTSIDE_WINDOW',
          `freeze window ${frozen} is in force for ${subject.service} in ${subject.environment}; only an emergency change (on-call, --emergency "reason") may pass`,
          { window: frozen },
        );
      }

      // 4. The change request.
      if (continuesChange(action)) {
        const c = named;
        if (!c || c.state !== 'implement') {
          return no(
            'CHANGE_NOT_APPROVED',
            c
              ? `change request ${c.id} is in ${c.state}, not being implemented; ${action} continues an authorised change only`
              : `no change request authorises this ${action}`,
            { changeId: c?.id ?? null },
          );
        }
        if (demand.needsApproval && (await approvalsOf(c)) === 0) {
          return no('BUDGET_REQUIRES_APPROVAL', `the error budget policy asks for an approved change (${budget.reason}); ${c.id} has no approval`, {
            changeId: c.id,
          });
        }
        return grant(action, subject, actor, c, null, [`continues change request ${c.id}`]);
      }

      const c = named ?? (await findOrCreate(action, subject, actor, facts));
      const diff = bindingDifferences(c, subject);
      if (diff.length) {
        return no('CHANGE_MISMATCH', `change request ${c.id} authorises another revision: ${describeDifferences(diff)}`, { changeId: c.id, differences: diff });
      }
      if (c.state === 'implement' || c.runId) {
        return no(
          'CHANGE_NOT_APPROVED',
          `change request ${c.id} already authorised ${c.runId ? `run ${c.runId}` : 'its implementation'}; a change authorises one run — create a new one`,
          { changeId: c.id },
        );
      }
      if (c.state !== 'scheduled') {
        return no('CHANGE_NOT_APPROVED', `change request ${c.id} is in ${c.state}${await waitingFor(c)}`, { changeId: c.id, state: c.state });
      }
      const slot = slotRefusal({ startMs: c.scheduledStartMs, endMs: c.scheduledEndMs }, now);
      if (slot && !emergency) return no('OUTSIDE_WINDOW', `change request ${c.id} is not in its slot: ${slot}`, { changeId: c.id });
      if (demand.needsApproval && (await approvalsOf(c)) === 0) {
        return no(
          'BUDGET_REQUIRES_APPROVAL',
          `the error budget policy asks for an approved change before ${subject.service} ships to ${subject.environment} (${budget.reason}); ${c.id} is ${c.type} with no approval — get one (shipgate change approve ${c.id}) or use a normal change`,
          { changeId: c.id },
        );
      }
      // 5. Verifications: evidence for exactly this revision (release and retry ship one).
      const verified = await verifications(action, subject, c);
      if (verified.refuse) return no(verified.refuse.code, verified.refuse.message, { changeId: c.id, ...verified.refuse.details });
      // 6. Connection pools: the release's peak of instances must fit every database its pools reach.
      const pools = await poolRoom(action, subject, emergency);
      if (pools.refuse) return no('CAPACITY_EXCEEDED', pools.refuse, { changeId: c.id, pools: pools.reasons });
      // 7. Instances for the forecast peak, when the Rollout requires them (spec.capacity).
      const sized = await instancesFor(action, subject, emergency);
      if (sized.refuse) return no('CAPACITY_EXCEEDED', sized.refuse, { changeId: c.id });
      // 8. CapacityReservations: no release, retry or undo brings the service below what is reserved now.
      const reserved = await reservationRoom(action, subject, emergency, now);
      if (reserved.refuse) return no('CAPACITY_EXCEEDED', reserved.refuse, { changeId: c.id });
      const reasons = [
        `change request ${c.id} (${c.type}) authorises this revision`,
        ...verified.reasons,
        ...pools.reasons.map((r) => `connection pools: ${r}`),
        ...sized.reasons,
        ...reserved.reasons,
        `error budget: ${budget.decision ?? 'no SLO gate'}`,
        ...(frozen ? [`emergency change crosses freeze window ${frozen}`] : []),
      ];
      return grant(action, subject, actor, c, { frozen, budgetRemaining: budget.budgetRemainingFraction }, reasons);
    },

    async prepareFinish(changeId, outcome) {
      const c = await svc.store.get(changeId);
      // A slow metric source must not hold the run's end: the outcome is recorded without it.
      const consumed = await Promise.race([svc.consumedSince(c), new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000).unref())]);
      return (trx) => svc.completeIn(trx, changeId, 'system:rollout', outcome, consumed);
    },
  };

  /**
   * The verifications the caller (a Rollout's spec.verify) and the change's approval rules
   * require, checked against the evidence recorded for the exact revision; and evidence that
   * found an irreversible change (a DROP) makes the change need two approvers whatever it says.
   * Emergency and standard changes skip approvals, never this.
   */
  async function verifications(
    action: GateAction,
    subject: GateSubject,
    c: ChangeRequest,
  ): Promise<{ reasons: string[]; refuse?: { code: RefusalCode; message: string; details: Record<string, unknown> } }> {
    if (!subject.revision || (action !== 'release' && action !== 'retry')) return { reasons: [] };
    const required = [...new Set([...(subject.verify ?? []), ...(c.requirements?.verifications ?? [])])].sort();
    const evidence = ctx.services.get(HOOKS.verifyEvidence);
    const rev = { service: subject.service, version: subject.revision.version, artifact: subject.revision.artifact };
    if (!evidence) {
      if (required.length === 0) return { reasons: [] };
      return {
        reasons: [],
        refuse: {
          code: 'VERIFICATION_REQUIRED',
          message: `${required.join(', ')} verification is required of ${subject.service} ${rev.version} but this server records no verification evidence`,
          details: { required },
        },
      };
    }
    const { problems, irreversible } = await evidence.assess(rev, required, subject.environment);
    if (problems.length) {
      return { reasons: [], refuse: { code: 'VERIFICATION_REQUIRED', message: problems.map((p) => p.message).join('; '), details: { required, problems } } };
    }
    const approvers = (await svc.store.approvals(c.id, c.cycle)).filter((a) => a.decision === 'approve').map((a) => a.user);
    if (irreversible.length && !irreversibleApprovalsMet({ author: c.author, irreversible: true, approvers, compensatingReviewers: [] })) {
      const got = [...new Set(approvers.filter((a) => a !== c.author))];
      const found = irreversible.map((x) => `${x.kind} ${x.evidenceId}: ${x.summary}`).join('; ');
      return {
        reasons: [],
        refuse: {
          code: 'CHANGE_NOT_APPROVED',
          message: `the verification evidence of ${subject.service} ${rev.version} found an irreversible change (${found}); it needs two approvers other than the author, change request ${c.id} has ${got.length} — shipgate change approve ${c.id}`,
          details: { irreversible },
        },
      };
    }
    const restore = irreversible.length ? await restorePlan(subject, c) : { reasons: [] };
    if (restore.refuse) return { reasons: [], refuse: { code: 'VERIFICATION_REQUIRED', message: restore.refuse, details: { irreversible } } };
    return { reasons: [...(required.length ? [`verified: ${required.join(', ')}`] : []), ...restore.reasons] };
  }

  /**
   * An irreversible change cannot be rolled back, only restored: every database the service's
   * pools reach (Service spec.databases) needs a passing BackupCheck newer than the change's last
   * approval (HOOKS.backupChecks, from dr), and the rollback plan is that restore, with its
   * measured time. Without the dr capability or declared databases there is nothing to check.
   */
  async function restorePlan(subject: GateSubject, c: ChangeRequest): Promise<{ reasons: string[]; refuse?: string }> {
    const backups = ctx.services.get(HOOKS.backupChecks);
    const dbs = (await ctx.services.get(HOOKS.graph)?.snapshot())?.service(subject.service)?.databases ?? [];
    if (!backups || !dbs.length) return { reasons: [] };
    const approvals = (await svc.store.approvals(c.id, c.cycle)).filter((a) => a.decision === 'approve');
    const approvedAt = Math.max(0, ...approvals.map((a) => a.atMs));
    const reasons: string[] = [];
    for (const d of dbs) {
      const pass = await backups.latestPass({ database: d.database, environment: subject.environment });
      if (!pass || pass.endedAtMs < approvedAt)
        return {
          reasons: [],
          refuse: `the irreversible change of ${subject.service} cannot be rolled back, only restored: it needs a passing backup check of ${d.database} in ${subject.environment} newer than its approval (${new Date(approvedAt).toISOString()})${pass ? `; the latest passed at ${new Date(pass.endedAtMs).toISOString()} (${pass.check})` : ''} — shipgate backup check NAME`,
        };
      reasons.push(
        `rollback plan: restore ${d.database} from its backup (check ${pass.check}, run ${pass.runId}: restored in ${pass.restoreMs === null ? '?' : (pass.restoreMs / 1000).toFixed(1)} s at ${new Date(pass.endedAtMs).toISOString()})`,
      );
    }
    return { reasons };
  }

  /**
   * Asks capacity whether the databases the service's pools reach have room for the release's
   * peak (network I/O: the databases' limits, read outside any transaction). A full database
   * refuses every change, an emergency too (it could not connect either); a database that could
   * not be read refuses all but an emergency.
   */
  async function poolRoom(action: GateAction, subject: GateSubject, emergency: boolean): Promise<{ reasons: string[]; refuse?: string }> {
    const pools = ctx.services.get(HOOKS.poolCheck);
    if (!pools || (action !== 'release' && action !== 'retry')) return { reasons: [] };
    const r = await pools.check({ service: subject.service, environment: subject.environment }).catch((e: Error) => ({
      fits: true,
      unreadable: true,
      reasons: [`the pool check failed: ${e.message}`],
    }));
    const next = `see shipgate capacity pools ${subject.environment}`;
    if (!r.fits)
      return {
        reasons: r.reasons,
        refuse: `${subject.service}'s connection pools would pass a database's limit while it releases to ${subject.environment}: ${r.reasons.join('; ')}; lower the pool (Service spec.databases), the Rollout's surge, or raise the database's max_connections (${next})`,
      };
    if (r.unreadable && !emergency)
      return { reasons: r.reasons, refuse: `${r.reasons.join('; ')}; a release must know its pools fit (${next}); only an emergency change passes without` };
    return { reasons: r.reasons };
  }

  /**
   * The Rollout's capacity requirement: the instances the release runs against the forecast
   * peak's need. No forecast yet (a new service, too little history) is a reason, not a refusal;
   * an emergency change passes a shortfall (a forecast peak days ahead must not hold a fix back).
   */
  async function instancesFor(action: GateAction, subject: GateSubject, emergency: boolean): Promise<{ reasons: string[]; refuse?: string }> {
    const plans = ctx.services.get(HOOKS.capacityPlan);
    if (!plans || !subject.capacity || (action !== 'release' && action !== 'retry')) return { reasons: [] };
    const p = await plans.plan({ service: subject.service, environment: subject.environment, ...subject.capacity });
    if ('unavailable' in p) return { reasons: [`capacity: not checked, no forecast (${p.unavailable})`] };
    if (p.fits) return { reasons: [`capacity: ${p.message}`] };
    if (emergency) return { reasons: [`capacity: emergency change passes a shortfall: ${p.message}`] };
    return {
      reasons: [],
      refuse: `${subject.service} in ${subject.environment} would run too few instances for the forecast peak: ${p.message}; raise target.replicas, set spec.capacity.preScale (up to maxReplicas), or see shipgate capacity plan ${subject.service}`,
    };
  }

  async function reservationRoom(action: GateAction, subject: GateSubject, emergency: boolean, now: number): Promise<{ reasons: string[]; refuse?: string }> {
    const reservations = ctx.services.get(HOOKS.reservations);
    if (!reservations || subject.instances === undefined || !['release', 'retry', 'undo'].includes(action)) return { reasons: [] };
    const r = await reservations.reserved({ service: subject.service, environment: subject.environment, atMs: now });
    if (!r || subject.instances >= r.minInstances)
      return { reasons: r ? [`CapacityReservation ${r.name}: ${subject.instances} ≥ ${r.minInstances} reserved`] : [] };
    const what = `CapacityReservation ${r.name} reserves ${r.minInstances} instances of ${subject.service} in ${subject.environment} until ${new Date(r.endMs).toISOString()}${r.reason ? ` (${r.reason})` : ''}; this ${action} would run ${subject.instances}`;
    if (emergency) return { reasons: [`emergency change runs below a reservation: ${what}`] };
    return { reasons: [], refuse: `${what}: raise target.replicas, or set spec.capacity.preScale so releases keep the reservation` };
  }

  async function approvalsOf(c: ChangeRequest): Promise<number> {
    return (await svc.store.approvals(c.id, c.cycle)).filter((a) => a.decision === 'approve').length;
  }

  function grant(
    action: GateAction,
    subject: GateSubject,
    actor: Principal,
    c: ChangeRequest,
    claim: { frozen?: string; budgetRemaining?: number } | null,
    reasons: string[],
  ): Authorization {
    return {
      changeId: c.id,
      reasons,
      async claim(trx, runId, opts = {}) {
        const stored = claim ? await svc.claimIn(trx, c.id, actor, runId, { ...claim, rowVersion: c.rowVersion }) : c;
        // A one-shot action (a manifest applied, a flag switched) is done when it commits.
        if (claim && opts.complete) await svc.completeIn(trx, c.id, actor.user, 'successful', undefined);
        await ctx.audit.append(trx, {
          actor: actor.user,
          action: 'gate.allow',
          kind: 'Gate',
          name: `${subject.service}/${subject.environment}`,
          details: { action, changeId: c.id, changeType: c.type, run: runId, reasons, ...(subject.revision ? { revision: subject.revision } : {}) },
        });
        if (claim && stored.type === 'emergency') await onEmergency(trx, stored, action, actor);
      },
    };
  }
}
