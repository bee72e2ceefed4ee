import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../../cli/context';
import { CliError, EXIT } from '../../cli/exit-codes';
import type { Level } from './checks';
import { diffRelease } from './openapi-diff';
import { readOpenapi } from './openapi-document';
import { recordEvidence, withEvidenceOptions, type EvidenceOptions } from '../evidence-cli';
import { buildReport, renderJunit, renderMarkdown, renderTableReport } from './openapi-report';

const FAIL_ON: Record<string, Level> = { error: 'ERR', warning: 'WARN', info: 'INFO' };
const FORMATS = ['table', 'json', 'junit', 'markdown'] as const;

/** `shipgate verify openapi BASE REVISION`: breaking changes both ways (forward and rollback). */
export function openapiCommands(verify: Command, cli: CliContext): void {
  withEvidenceOptions(
    verify
      .command('openapi')
      .description(
        'breaking-change diff of two OpenAPI 3.0/3.1 documents, forward (BASE → REVISION breaks consumers) and rollback (REVISION → BASE breaks rolling back); exit 0 pass, 1 findings at or above --fail-on, 2 bad input',
      )
      .argument('<base>', 'the OpenAPI document now deployed (YAML or JSON)')
      .argument('<revision>', 'the OpenAPI document of the revision to release')
      .option('--fail-on <level>', 'error | warning | info: the lowest level of a forward finding that fails', 'error')
      .option('--fail-on-rollback <level>', 'error | warning | info: also fail on rollback findings from this level (default: reported, not gating)')
      .option('-o, --output <format>', FORMATS.join(' | '), 'table'),
  ).action(async (basePath: string, revisionPath: string, o: { failOn: string; failOnRollback?: string; output: string } & EvidenceOptions) => {
    const failOn = FAIL_ON[o.failOn.toLowerCase()];
    if (!failOn) throw new CliError(EXIT.USAGE, `--fail-on must be one of ${Object.keys(FAIL_ON).join(', ')}`);
    const failOnRollback = o.failOnRollback === undefined ? null : FAIL_ON[o.failOnRollback.toLowerCase()];
    if (failOnRollback === undefined) throw new CliError(EXIT.USAGE, `--fail-on-rollback must be one of ${Object.keys(FAIL_ON).join(', ')}`);
    const format = parseFormat(o.output, FORMATS);
    const read = (p: string) => {
      let text: string;
      try {
        text = readFileSync(cli.path(p), 'utf8');
      } catch (e) {
        throw new CliError(EXIT.USAGE, `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      return { text, doc: readOpenapi(text, p) };
    };
    const baseFile = read(basePath);
    const revisionFile = read(revisionPath);
    const base = baseFile.doc;
    const revision = revisionFile.doc;
    const report = buildReport(basePath, revisionPath, diffRelease(base, revision), failOn, failOnRollback);
    if (format === 'json') cli.out(JSON.stringify(report, null, 2));
    else if (format === 'junit') cli.out(renderJunit(report));
    else if (format === 'markdown') cli.out(renderMarkdown(report));
    else cli.out(renderTableReport(report));
    await recordEvidence(cli, 'openapi', o, {
      base: { name: basePath, text: baseFile.text },
      revision: { name: revisionPath, text: revisionFile.text },
      failOn,
      failOnRollback,
    });
    if (report.result === 'fail') cli.fail(EXIT.NO);
  });
}
