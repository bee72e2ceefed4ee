/**
 * Verification evidence: what one verification concluded about one revision, and whether the
 * evidence on record satisfies what a release requires. Pure, no I/O.
 *
 * Evidence binds to the exact revision a release ships — service, version and artifact
 * reference — never to a service alone: evidence for v2 says nothing about v3, and evidence for
 * artifact build-7 says nothing about build-8 of the same version (a rebuilt artifact needs its
 * verifications again). The latest record per kind decides: a failing check followed by a
 * passing one (after a fix) passes; a passing one followed by a failing one fails.
 */
import { z } from 'zod';
import { VERIFICATION_KINDS, type VerificationKindName } from '../core/hooks';

/** The kinds of verification a Rollout (`spec.verify`) or an ApprovalPolicy rule can require (listed in core/hooks.ts). */
export type VerificationKind = VerificationKindName;
export const verificationKind = z.enum(VERIFICATION_KINDS);

/** The revision evidence is about. `artifact` is '' when the target's default runs. */
export interface EvidenceSubject {
  service: string;
  version: string;
  artifact: string;
}

/** One stored verification result. */
export interface EvidenceRecord extends EvidenceSubject {
  id: string;
  kind: VerificationKind;
  verdict: 'pass' | 'fail';
  /** One line for people, e.g. "2 findings: require-concurrent-index-creation, …". */
  summary: string;
  /** SHA-256 (hex) of each input the verdict was computed from, by name (file, report…). */
  inputs: Record<string, string>;
  /** The verification's whole result (findings, per-file verdicts…), as the check produced it. */
  result: unknown;
  /** True when the check found an irreversible change (e.g. a DROP): two approvers are required. */
  irreversible: boolean;
  /**
   * The other party of a contract verification: for `pact`, the consumer (service and version)
   * whose pact the revision was verified against. Null for other kinds.
   */
  counterpart: { service: string; version: string } | null;
  recordedAtMs: number;
  recordedBy: string;
}

/** Why the evidence on record does not satisfy one required kind. */
export interface EvidenceProblem {
  kind: VerificationKind;
  problem: 'missing' | 'failing';
  /** For people: what is missing or failing and what to run. */
  message: string;
  evidenceId?: string;
}

const HOW_TO: Record<VerificationKind, string> = {
  migration: 'shipgate verify migration FILES --service S --version V [--artifact A]',
  openapi: 'shipgate verify openapi BASE REVISION --service S --version V [--artifact A]',
  pact: 'shipgate verify pact PACT.json --provider URL --service S --version V',
  canIDeploy: 'shipgate contracts can-i-deploy S --version V --env E',
  scan: 'shipgate verify scan REPORT… --service S --version V [--artifact A]',
  synthetic: 'shipgate verify synthetic CHECK.yaml --target URL --service S --version V [--artifact A]',
  perf: 'shipgate verify perf --baseline RESULTS… --candidate RESULTS… --service S --version V [--artifact A]',
};

/** The latest record of each kind for exactly this revision. */
export function latestByKind(records: readonly EvidenceRecord[], subject: EvidenceSubject): Map<VerificationKind, EvidenceRecord> {
  const out = new Map<VerificationKind, EvidenceRecord>();
  for (const r of records) {
    if (r.service !== subject.service || r.version !== subject.version || r.artifact !== subject.artifact) continue;
    const seen = out.get(r.kind);
    if (!seen || r.recordedAtMs > seen.recordedAtMs || (r.recordedAtMs === seen.recordedAtMs && r.id > seen.id)) out.set(r.kind, r);
  }
  return out;
}

/** What stops `required` from being satisfied for `subject`; empty when every kind has passing evidence. */
export function evidenceProblems(required: readonly VerificationKind[], records: readonly EvidenceRecord[], subject: EvidenceSubject): EvidenceProblem[] {
  const latest = latestByKind(records, subject);
  const what = `${subject.service} ${subject.version}${subject.artifact ? ` (artifact ${subject.artifact})` : ''}`;
  const problems: EvidenceProblem[] = [];
  for (const kind of [...new Set(required)]) {
    const r = latest.get(kind);
    if (!r) problems.push({ kind, problem: 'missing', message: `no ${kind} verification is recorded for ${what}: run \`${HOW_TO[kind]}\`` });
    else if (r.verdict !== 'pass')
      problems.push({ kind, problem: 'failing', evidenceId: r.id, message: `the latest ${kind} verification of ${what} (${r.id}) failed: ${r.summary}` });
  }
  return problems;
}

/** One sentence naming every problem, for a refusal. */
export function describeProblems(problems: readonly EvidenceProblem[]): string {
  return problems.map((p) => p.message).join('; ');
}
