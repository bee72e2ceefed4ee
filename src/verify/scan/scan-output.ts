/** `shipgate verify scan` output: table, JSON, JUnit XML, SARIF 2.1.0. Pure. */
import { junitXml, type JunitCase } from '../../cli/junit';
import { renderTable } from '../../cli/table';
import type { GateResult, GatedFinding } from './scan-gate';
import type { Severity } from './scan-finding';

const expiredText = (r: GateResult) =>
  r.expiredIgnores.map(
    (e) => `spec.ignore[${e.index}] (${e.entry.id}${e.entry.package ? ` in ${e.entry.package}` : ''}) expired on ${e.entry.expires}: ${e.entry.reason}`,
  );

export function renderScanTable(r: GateResult): string {
  const rows = r.findings.map((f) => [
    f.status,
    f.severity,
    f.id,
    f.package,
    f.installedVersion,
    f.fixedVersion ?? (f.fixAvailable ? 'yes' : undefined),
    f.tool,
    f.title && f.title.length > 80 ? `${f.title.slice(0, 77)}…` : f.title,
  ]);
  const out = [r.findings.length ? renderTable(['status', 'severity', 'id', 'package', 'installed', 'fixed', 'tool', 'title'], rows).trimEnd() : 'no findings'];
  for (const e of expiredText(r)) out.push(`expired ignore: ${e}`);
  const c = r.counts;
  out.push(
    `${r.result === 'fail' ? 'FAIL' : 'PASS'} (severity ≥ ${r.policy.severity}${r.policy.fixedOnly ? ', fixed only' : ''}): ${c.fail} failing, ${c.ignored} ignored, ${c.baseline} in baseline, ${c['below-threshold']} below threshold, ${c['no-fix']} without fix${r.expiredIgnores.length ? `, ${r.expiredIgnores.length} expired ignore${r.expiredIgnores.length > 1 ? 's' : ''}` : ''}`,
  );
  return out.join('\n') + '\n';
}

const describe = (f: GatedFinding) =>
  `${f.id}${f.package ? ` in ${f.package}${f.installedVersion ? `@${f.installedVersion}` : ''}` : f.location ? ` at ${f.location}` : ''}`;

/** JUnit through the one writer (cli/junit.ts): a failure per blocking finding and expired ignore, skipped for the rest. */
export function renderScanJunit(r: GateResult): string {
  const cases: JunitCase[] = r.findings.map((f) => ({
    classname: `scan.${f.tool}`,
    name: describe(f),
    ...(f.status === 'fail'
      ? {
          failure: {
            type: f.severity,
            message: `${f.severity} ${describe(f)}`,
            body: `${f.title ?? ''}${f.fixedVersion ? ` (fixed in ${f.fixedVersion})` : ''}`,
          },
        }
      : { skipped: { message: f.status + (f.ignoredBy ? `: ${f.ignoredBy.reason}` : '') } }),
  }));
  for (const e of r.expiredIgnores)
    cases.push({
      classname: 'scan.policy',
      name: `spec.ignore[${e.index}] ${e.entry.id}`,
      failure: { type: 'expired-ignore', message: expiredText({ ...r, expiredIgnores: [e] })[0] },
    });
  return `${junitXml('shipgate verify scan', [{ name: 'scan', cases }])}\n`;
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  unknown: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};
const SCORE: Record<Severity, string> = { critical: '9.5', high: '8.0', unknown: '8.0', medium: '5.5', low: '2.0', info: '0.0' };

/** One SARIF run: a rule per finding id; ignored and baseline findings carry suppressions. */
export function renderScanSarif(r: GateResult, version: string): string {
  const ids = [...new Set(r.findings.map((f) => f.id))];
  const first = new Map(ids.map((id) => [id, r.findings.find((f) => f.id === id)!]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'shipgate verify scan',
            version,
            informationUri: 'https://shipgate.dev/docs/verify/scan',
            rules: ids.map((id) => ({
              id,
              shortDescription: { text: first.get(id)!.title ?? id },
              properties: { 'security-severity': SCORE[first.get(id)!.severity] },
            })),
          },
        },
        results: r.findings.map((f) => ({
          ruleId: f.id,
          ruleIndex: ids.indexOf(f.id),
          level: f.status === 'fail' ? SARIF_LEVEL[f.severity] : 'note',
          message: { text: `${describe(f)}: ${f.title ?? f.id}${f.fixedVersion ? ` (fixed in ${f.fixedVersion})` : ''} [${f.status}, from ${f.tool}]` },
          ...(f.location ? { locations: [{ physicalLocation: { artifactLocation: { uri: f.location } } }] } : {}),
          ...(f.status === 'ignored' || f.status === 'baseline'
            ? {
                suppressions: [
                  {
                    kind: 'external',
                    status: 'accepted',
                    justification: f.ignoredBy ? `${f.ignoredBy.reason} (until ${f.ignoredBy.expires})` : 'present in the baseline report',
                  },
                ],
              }
            : {}),
          properties: {
            severity: f.severity,
            status: f.status,
            tool: f.tool,
            report: f.report,
            ...(f.package ? { package: f.package } : {}),
            ...(f.installedVersion ? { installedVersion: f.installedVersion } : {}),
            ...(f.fixedVersion ? { fixedVersion: f.fixedVersion } : {}),
          },
        })),
        ...(r.expiredIgnores.length
          ? {
              invocations: [
                {
                  executionSuccessful: true,
                  toolConfigurationNotifications: expiredText(r).map((t) => ({ level: 'error', message: { text: `expired ignore: ${t}` } })),
                },
              ],
            }
          : {}),
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}
