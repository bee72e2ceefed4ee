/** The ScanPolicy kind: which scanner findings block a release. */
import { z } from 'zod';
import { SHIPGATE_API_VERSION, type KindDefinition } from '../../core/kinds';
import type { Issue } from '../../core/errors';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date, YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'not a calendar date');

export const scanIgnoreSchema = z.strictObject({
  /** The finding's id: CVE, GHSA or rule id. */
  id: z.string().min(1),
  /** Only for this package; every package when absent. */
  package: z.string().min(1).optional(),
  /** Why it is accepted: a ticket, the reason the code path is unreachable. */
  reason: z.string().trim().min(1, 'required: say why this finding is accepted'),
  /** Last day (UTC) the entry applies; after it the entry fails the gate until it is renewed or removed. */
  expires: isoDate,
});
export type ScanIgnore = z.infer<typeof scanIgnoreSchema>;

export const scanPolicySpecSchema = z.strictObject({
  /** Findings at or above this severity fail (unknown severities rank with high). */
  severity: z.enum(['critical', 'high', 'medium', 'low', 'info']).default('high'),
  /** Only findings with a known fix fail: what the team can act on now. */
  fixedOnly: z.boolean().default(false),
  ignore: z.array(scanIgnoreSchema).default([]),
  /**
   * `lastAccepted`: when the server records scan evidence without baseline reports, findings that
   * the service's newest passing scan evidence (of another version or artifact) already had do
   * not fail — only new ones do. Offline, `--baseline REPORT` does that job.
   */
  baseline: z.enum(['none', 'lastAccepted']).default('none'),
});
export type ScanPolicySpec = z.infer<typeof scanPolicySpecSchema>;

/** The policy when no --policy is given. */
export const DEFAULT_SCAN_POLICY: ScanPolicySpec = scanPolicySpecSchema.parse({});

export const SCAN_POLICY_KIND = 'ScanPolicy';

export const scanPolicyKind: KindDefinition<ScanPolicySpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: SCAN_POLICY_KIND,
  names: ['scanpolicy', 'scanpolicies', 'sp'],
  spec: scanPolicySpecSchema as never,
  description: 'which scanner findings block a release: severity threshold, fixed-only, and ignores with a reason and an expiry date',
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'severity', value: (m) => m.spec.severity },
    { header: 'fixed only', value: (m) => String(m.spec.fixedOnly) },
    { header: 'ignores', value: (m) => m.spec.ignore.length },
  ],
  validate(m) {
    const issues: Issue[] = [];
    const seen = new Map<string, number>();
    m.spec.ignore.forEach((e, i) => {
      const key = `${e.id}|${e.package ?? ''}`;
      if (seen.has(key)) issues.push({ path: `spec.ignore[${i}]`, message: `the same finding as spec.ignore[${seen.get(key)}]; keep one entry` });
      else seen.set(key, i);
    });
    return issues;
  },
};
