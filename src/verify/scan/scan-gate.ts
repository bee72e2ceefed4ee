/**
 * The scan gate: which findings block, under a ScanPolicy and an optional baseline. Pure: the
 * date is passed in.
 */
import { SEVERITY_RANK, findingKey, type ScanFinding } from './scan-finding';
import type { ScanIgnore, ScanPolicySpec } from './scan-policy';

/**
 * Why a finding does or does not block: `fail` blocks; `ignored` matches a current ignore entry;
 * `baseline` was already in the baseline report; `below-threshold` is under the severity;
 * `no-fix` has no fix while the policy is fixed-only.
 */
export type FindingStatus = 'fail' | 'ignored' | 'baseline' | 'below-threshold' | 'no-fix';

export interface GatedFinding extends ScanFinding {
  status: FindingStatus;
  /** For `ignored`: the entry's index in spec.ignore and its reason. */
  ignoredBy?: { index: number; reason: string; expires: string };
}

export interface ExpiredIgnore {
  index: number;
  entry: ScanIgnore;
}

export interface GateResult {
  result: 'pass' | 'fail';
  policy: ScanPolicySpec;
  /** YYYY-MM-DD (UTC) the ignore entries were judged on. */
  today: string;
  findings: GatedFinding[];
  /** Ignore entries past their date: each fails the gate until renewed or removed. */
  expiredIgnores: ExpiredIgnore[];
  counts: Record<FindingStatus, number>;
}

const matches = (e: ScanIgnore, f: ScanFinding) => e.id.toLowerCase() === f.id.toLowerCase() && (e.package === undefined || e.package === f.package);

/** The same finding in several reports (Trivy and npm audit on one lockfile) counts once, keeping the most severe. */
export function dedupe(findings: ScanFinding[]): ScanFinding[] {
  const byKey = new Map<string, ScanFinding>();
  for (const f of findings) {
    const k = findingKey(f);
    const prev = byKey.get(k);
    if (!prev || SEVERITY_RANK[f.severity] > SEVERITY_RANK[prev.severity])
      byKey.set(k, prev ? { ...f, fixAvailable: f.fixAvailable || prev.fixAvailable, fixedVersion: f.fixedVersion ?? prev.fixedVersion } : f);
  }
  return [...byKey.values()];
}

export function applyGate(findings: ScanFinding[], policy: ScanPolicySpec, today: string, baseline?: ScanFinding[]): GateResult {
  const expired: ExpiredIgnore[] = [];
  const current: { index: number; entry: ScanIgnore }[] = [];
  policy.ignore.forEach((entry, index) => (entry.expires < today ? expired : current).push({ index, entry }));
  const base = baseline ? new Set(baseline.map(findingKey)) : undefined;
  const threshold = SEVERITY_RANK[policy.severity];
  const counts: Record<FindingStatus, number> = { fail: 0, ignored: 0, baseline: 0, 'below-threshold': 0, 'no-fix': 0 };
  const gated = dedupe(findings).map((f): GatedFinding => {
    const ignore = current.find((c) => matches(c.entry, f));
    let status: FindingStatus;
    if (ignore) status = 'ignored';
    else if (base?.has(findingKey(f))) status = 'baseline';
    else if (SEVERITY_RANK[f.severity] < threshold) status = 'below-threshold';
    else if (policy.fixedOnly && !f.fixAvailable) status = 'no-fix';
    else status = 'fail';
    counts[status]++;
    return { ...f, status, ...(ignore ? { ignoredBy: { index: ignore.index, reason: ignore.entry.reason, expires: ignore.entry.expires } } : {}) };
  });
  gated.sort(
    (a, b) =>
      Number(b.status === 'fail') - Number(a.status === 'fail') ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      a.id.localeCompare(b.id) ||
      (a.package ?? '').localeCompare(b.package ?? ''),
  );
  return { result: counts.fail > 0 || expired.length > 0 ? 'fail' : 'pass', policy, today, findings: gated, expiredIgnores: expired, counts };
}
