/**
 * The result of `shipgate verify migration`, shaped to be stored as evidence against a revision:
 * which files (with their sha256), the findings, the verdict, whether the change is irreversible,
 * and what the dynamic trace measured. Pure.
 */
import type { Finding } from './finding';
import type { DynamicResult } from './trace/trace-result';

export const MIGRATION_RESULT_KIND = 'shipgate.dev/verify-migration/v1';

export interface CheckedFile {
  /** As the user named it (relative to the working directory when it was typed so). */
  file: string;
  /** sha256 of the file's bytes, hex. */
  sha256: string;
  statements: number;
}

export interface MigrationResult {
  kind: typeof MIGRATION_RESULT_KIND;
  files: CheckedFile[];
  findings: Finding[];
  /** `unsafe` when a finding of severity error is not allowed, or the trace saw traffic blocked longer than the lock timeout. */
  verdict: 'safe' | 'unsafe';
  /** True when any statement cannot be undone (a DROP): two approvers are required. */
  irreversible: boolean;
  /** The --lock-timeout the verdict used, in milliseconds. */
  lockTimeoutMs: number;
  dynamic: DynamicResult | null;
}

export function buildResult(files: CheckedFile[], findings: Finding[], lockTimeoutMs: number, dynamic: DynamicResult | null): MigrationResult {
  const all = [...findings, ...(dynamic?.findings ?? [])];
  const unsafe = all.some((f) => f.severity === 'error' && f.allowed === null);
  return {
    kind: MIGRATION_RESULT_KIND,
    files,
    findings: all,
    verdict: unsafe ? 'unsafe' : 'safe',
    irreversible: all.some((f) => f.irreversible),
    lockTimeoutMs,
    dynamic,
  };
}
