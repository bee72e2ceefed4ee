/**
 * Records verification evidence (computed here from the inputs, see verifier.ts) and answers
 * whether a revision has what a release requires (HOOKS.verifyEvidence).
 */
import type { Principal } from '../auth/roles';
import type { ServerContext } from '../core/capability';
import { HOOKS, type EvidenceSummary } from '../core/hooks';
import { InputError, NotFoundError } from '../core/errors';
import { newId, sha256 } from '../core/ids';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { transaction } from '../store/db';
import { evidenceProblems, latestByKind, type EvidenceProblem, type EvidenceRecord, type EvidenceSubject, type VerificationKind } from './evidence';
import type { EvidenceStore } from './evidence-store';
import type { Verifier } from './verifier';
import { canIDeploy, contractOf, type ContractVerification, type Matrix } from './contracts/contract-matrix';

export class EvidenceService {
  private readonly verifiers = new Map<VerificationKind, Verifier>();

  constructor(
    private readonly ctx: ServerContext,
    readonly store: EvidenceStore,
    verifiers: readonly Verifier[],
  ) {
    for (const v of verifiers) this.verifiers.set(v.kind, v as Verifier);
  }

  /** The kinds this server can compute (the others come later or from another capability). */
  kinds(): VerificationKind[] {
    return [...this.verifiers.keys()];
  }

  /**
   * Runs the `kind` check on `input` and records the outcome against the revision, with a
   * `verify.evidence` audit event in the same transaction. Bad input records nothing.
   */
  async record(kind: VerificationKind, subject: EvidenceSubject, input: unknown, actor: Principal): Promise<EvidenceRecord> {
    const v = this.verifiers.get(kind);
    if (kind === 'canIDeploy')
      throw new NotFoundError(
        'canIDeploy is not recorded: it is judged when a release asks, from the pact evidence on record and what serves in the environment (shipgate contracts can-i-deploy S --version V --env E)',
      );
    if (!v) throw new NotFoundError(`this server computes no ${kind} verification (it computes: ${this.kinds().join(', ') || 'none'})`);
    const parsed = v.input.safeParse(input);
    if (!parsed.success) {
      throw new InputError(
        `invalid ${kind} verification input`,
        parsed.error.issues.map((i) => ({ path: ['input', ...i.path.map(String)].join('.'), message: i.message })),
      );
    }
    const now0 = this.ctx.clock.now();
    const outcome = await v.run(parsed.data, {
      resource: async (kind, name) => (await this.ctx.resources.get(SHIPGATE_API_VERSION, kind, name))?.manifest,
      today: new Date(now0).toISOString().slice(0, 10),
      previous: async (k) => {
        const rows = await this.store.list({ service: subject.service, kind: k, limit: 500 });
        const r = rows.find((x) => x.verdict === 'pass' && (x.version !== subject.version || x.artifact !== subject.artifact));
        return r ? { id: r.id, version: r.version, result: r.result } : undefined;
      },
    });
    const inputs = Object.fromEntries(Object.entries(v.texts(parsed.data)).map(([name, text]) => [name, sha256(text)]));
    const now = this.ctx.clock.now();
    const record: EvidenceRecord = {
      id: newId('vev', now),
      ...subject,
      kind,
      verdict: outcome.verdict,
      summary: outcome.summary,
      inputs,
      result: outcome.result,
      irreversible: outcome.irreversible === true,
      counterpart: outcome.counterpart ?? null,
      recordedAtMs: now,
      recordedBy: actor.user,
    };
    await transaction(this.ctx.db, async (trx) => {
      await this.store.insert(trx, record);
      await this.ctx.audit.append(trx, {
        actor: actor.user,
        action: 'verify.evidence',
        kind: 'Verification',
        name: `${subject.service}/${subject.version}`,
        details: {
          id: record.id,
          kind,
          verdict: record.verdict,
          summary: record.summary,
          artifact: subject.artifact,
          inputs,
          irreversible: record.irreversible,
          ...(record.counterpart ? { counterpart: record.counterpart } : {}),
        },
      });
    });
    return record;
  }

  /**
   * What stops `required` from being satisfied for the revision released to `environment`, and
   * the evidence that found an irreversible change — from one read of the revision's records.
   * `canIDeploy` is computed now from the pact evidence on record and what serves in the
   * environment (it changes as other services deploy); the other kinds are stored evidence.
   */
  async assess(
    subject: EvidenceSubject,
    required: readonly VerificationKind[],
    environment: string | undefined,
  ): Promise<{ problems: EvidenceProblem[]; irreversible: { kind: VerificationKind; evidenceId: string; summary: string }[] }> {
    const latest = latestByKind(await this.recordsOf(subject), subject);
    const stored = required.filter((k) => k !== 'canIDeploy');
    const problems = evidenceProblems(stored, [...latest.values()], subject);
    if (required.includes('canIDeploy')) {
      if (!environment) {
        problems.push({ kind: 'canIDeploy', problem: 'missing', message: 'canIDeploy is judged for an environment: name one (environment=…)' });
      } else {
        const m = await this.canIDeploy(subject, environment);
        if (m.verdict !== 'pass')
          problems.push({
            kind: 'canIDeploy',
            problem: m.rows.some((r) => r.status === 'failing') ? 'failing' : 'missing',
            message: `${m.summary}. ${m.rows
              .filter((r) => r.blocking)
              .map((r) => r.message)
              .join('; ')}`,
          });
      }
    }
    problems.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
    const irreversible = [...latest.values()].filter((r) => r.irreversible).map((r) => ({ kind: r.kind, evidenceId: r.id, summary: r.summary }));
    return { problems, irreversible };
  }

  async problems(subject: EvidenceSubject, required: readonly VerificationKind[], environment?: string): Promise<EvidenceProblem[]> {
    if (required.length === 0) return [];
    return (await this.assess(subject, required, environment)).problems;
  }

  /**
   * The contract matrix of the revision in `environment`: each consumer serving there against the
   * revision's pact verifications, and the revision's pacts against each provider serving there.
   */
  async canIDeploy(subject: EvidenceSubject, environment: string): Promise<Matrix> {
    const deployments = this.ctx.services.get(HOOKS.deployments);
    const graph = await this.ctx.services.get(HOOKS.graph)?.snapshot();
    const deployed = deployments ? (await deployments.deployed(environment)).filter((d) => d.environment === environment) : [];
    const contracts = (await this.store.contracts(subject.service)).map(contractOf).filter((c): c is ContractVerification => c !== undefined);
    const declared = (s: string) => (graph?.service(s) ? graph.dependencies(s).map((e) => e.service) : undefined);
    return canIDeploy(subject, environment, contracts, deployed, declared);
  }

  /** The latest evidence per kind for the revision, by kind name. */
  async latest(subject: EvidenceSubject): Promise<EvidenceSummary[]> {
    return [...latestByKind(await this.recordsOf(subject), subject).values()]
      .sort((a, b) => (a.kind < b.kind ? -1 : 1))
      .map((r) => ({
        kind: r.kind,
        evidenceId: r.id,
        verdict: r.verdict,
        summary: r.summary,
        irreversible: r.irreversible,
        recordedAtMs: r.recordedAtMs,
        recordedBy: r.recordedBy,
      }));
  }

  /** Every record of exactly this revision (the store filters by service, version and artifact). */
  private recordsOf(subject: EvidenceSubject): Promise<EvidenceRecord[]> {
    return this.store.list({ ...subject, limit: 1000 });
  }
}
