import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../../cli/context';
import { CliError, EXIT } from '../../cli/exit-codes';
import type { ScanFinding } from './scan-finding';
import { applyGate } from './scan-gate';
import { renderScanJunit, renderScanSarif, renderScanTable } from './scan-output';
import { DEFAULT_SCAN_POLICY, SCAN_POLICY_KIND, type ScanPolicySpec } from './scan-policy';
import { readReport } from './scan-reports';
import { recordEvidence, withEvidenceOptions, type EvidenceOptions } from '../evidence-cli';
import { readKindFile } from '../read-manifest';

const FORMATS = ['table', 'json', 'junit', 'sarif'] as const;
const collect = (v: string, prev: string[]) => [...prev, v];

/** `shipgate verify scan REPORT…`: normalised scanner findings through a ScanPolicy. */
export function scanCommands(verify: Command, cli: CliContext): void {
  withEvidenceOptions(
    verify
      .command('scan')
      .description(
        'gate on scanner reports (SARIF 2.1.0, Trivy JSON, npm audit --json, CycloneDX 1.5): severity threshold, fixed-only, ignores with expiry, baseline; exit 0 pass, 1 blocked, 2 bad input',
      )
      .argument('<reports...>', 'report files; the format is read from the content')
      .option('--policy <file>', 'a ScanPolicy manifest (YAML or JSON), read offline; default: severity high, every finding, no ignores')
      .option('--baseline <report>', 'a report of the accepted revision: only findings not in it fail (repeatable)', collect, [] as string[])
      .option('-o, --output <format>', FORMATS.join(' | '), 'table'),
  ).action(async (reports: string[], o: { policy?: string; baseline: string[]; output: string } & EvidenceOptions) => {
    const format = parseFormat(o.output, FORMATS);
    const read = (p: string) => {
      try {
        return readFileSync(cli.path(p), 'utf8');
      } catch (e) {
        throw new CliError(EXIT.USAGE, `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    };
    const policyDoc = o.policy ? readKindFile<ScanPolicySpec>(cli, read(o.policy), o.policy, SCAN_POLICY_KIND) : undefined;
    const policy = policyDoc?.spec ?? DEFAULT_SCAN_POLICY;
    const findingsOf = (files: string[]): ScanFinding[] => files.flatMap((f) => readReport(read(f), f).findings);
    const findings = findingsOf(reports);
    const baseline = o.baseline.length ? findingsOf(o.baseline) : undefined;
    const today = new Date().toISOString().slice(0, 10);
    const result = applyGate(findings, policy, today, baseline);
    if (format === 'json') cli.out(JSON.stringify(result, null, 2));
    else if (format === 'junit') cli.out(renderScanJunit(result));
    else if (format === 'sarif') cli.out(renderScanSarif(result, '0.1.0'));
    else cli.out(renderScanTable(result));
    // The server applies its own stored copy of the policy (by name): a pipeline never sends one.
    const named = (files: string[]) => files.map((f) => ({ name: f, text: read(f) }));
    await recordEvidence(cli, 'scan', o, { reports: named(reports), baseline: named(o.baseline), ...(policyDoc ? { policy: policyDoc.name } : {}) });
    if (result.result === 'fail') cli.fail(EXIT.NO);
  });
}
