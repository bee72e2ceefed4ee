/** `shipgate verify migration FILE.sql|DIR`: lock-safety of a schema migration, statically and, with --database, traced on a throwaway copy. */
import { staticFindings } from './static-check';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { recordEvidence, withEvidenceOptions, type EvidenceOptions } from '../evidence-cli';
import { parseFormat, type CliContext } from '../../cli/context';
import { CliError, EXIT } from '../../cli/exit-codes';
import { renderTable } from '../../cli/table';
import { requireDurationMs } from '../../core/duration';
import { lockModeSql } from './lock-modes';
import { readMigrationFile, readMigrationPath } from './migration-files';
import { buildResult, type MigrationResult } from './migration-result';
import { toSarif } from './sarif';
import { loadSqlParser } from './sql-statements';
import { parseTableSizes } from './table-sizes';

const FORMATS = ['table', 'json', 'sarif'] as const;

interface Options {
  database?: string;
  tableSizes?: string;
  lockTimeout: string;
  schema?: string;
  inTransaction?: boolean;
  output: string;
}

/** The table for people: one row per finding, then the verdict. */
export function renderMigrationResult(r: MigrationResult): string {
  const rows = r.findings.map((f) => [
    `${f.file}:${f.line}`,
    f.rule + (f.allowed !== null ? ' (allowed)' : f.severity === 'warning' ? ' (warning)' : ''),
    f.lockMode ? lockModeSql(f.lockMode) : '-',
    f.blocks,
    f.message,
    f.safeRewrite,
  ]);
  let out = r.findings.length ? renderTable(['file:line', 'rule', 'lock', 'blocks', 'message', 'safe rewrite'], rows) : 'no findings\n';
  if (r.dynamic) {
    out += `\ntrace on ${r.dynamic.database} (dropped): ${r.dynamic.workload.connections} workload connections, ${r.dynamic.workload.queries} queries\n`;
    out += renderTable(
      ['file:line', 'ms', 'locks taken', 'rewrote', 'blocked ms', 'error'],
      r.dynamic.statements.map((s) => [
        `${s.file}:${s.line}`,
        Math.round(s.durationMs),
        s.locks.map((l) => `${lockModeSql(l.mode)} ${l.relation}`).join(', ') || '-',
        s.rewritten.join(', ') || '-',
        Math.round(s.blockedMs),
        s.error ?? '-',
      ]),
    );
  }
  out += `\nverdict: ${r.verdict}${r.irreversible ? ' (irreversible: two approvers required)' : ''}; ${r.files.length} file${r.files.length === 1 ? '' : 's'}, lock timeout ${r.lockTimeoutMs} ms\n`;
  return out;
}

export function migrationCommands(verify: Command, cli: CliContext): void {
  withEvidenceOptions(
    verify
      .command('migration')
      .description(
        'lock safety of a SQL migration: PostgreSQL parser rules, and with --database a trace on a throwaway copy under load; exit 0 safe, 1 unsafe, 2 bad input, 3 --database unreachable',
      )
      .argument('<path>', 'a .sql file, or a folder whose .sql files run in name order')
      .option(
        '--database <url>',
        'postgres://… server to trace on: a throwaway database is created (from the named database as template, else from --schema and the earlier files) and always dropped',
      )
      .option('--table-sizes <file>', 'YAML or JSON {table: rows}: rows generated before the trace')
      .option('--lock-timeout <duration>', 'longest a statement may block traffic in the trace', '2s')
      .option('--schema <file>', 'SQL creating the schema the migration starts from (read by the rules, applied before the trace, never checked)')
      .option('--in-transaction', 'the migration tool runs each file inside one transaction (Flyway, Rails, node-pg-migrate do by default)')
      .option('-o, --output <format>', FORMATS.join(' | '), 'table'),
  ).action(async (path: string, o: Options & EvidenceOptions) => {
    const format = parseFormat(o.output, FORMATS);
    const lockTimeoutMs = requireDurationMs(o.lockTimeout, '--lock-timeout');
    const tableSizes = o.tableSizes ? parseTableSizes(readText(cli, o.tableSizes), o.tableSizes) : {};
    await loadSqlParser();
    const schema = o.schema ? readMigrationFile(cli.path(o.schema), o.schema) : null;
    const files = readMigrationPath(cli.path(path), path);
    const findings = staticFindings(
      schema?.statementsParsed ?? null,
      files.map((f) => f.statementsParsed),
      { inTransaction: o.inTransaction },
    );
    let dynamic = null;
    if (o.database) {
      const { traceMigration } = await import('./trace/trace-migration');
      dynamic = await traceMigration({
        url: o.database,
        schema: schema?.statementsParsed ?? [],
        files: files.map((f) => f.statementsParsed),
        inTransaction: o.inTransaction ?? false,
        tableSizes,
        lockTimeoutMs,
        log: (t) => cli.err(t),
      });
    }
    const result = buildResult(
      files.map(({ file, sha256, statements }) => ({ file, sha256, statements })),
      findings,
      lockTimeoutMs,
      dynamic,
    );
    if (format === 'json') cli.out(JSON.stringify(result, null, 2));
    else if (format === 'sarif') cli.out(JSON.stringify(toSarif(result), null, 2));
    else cli.out(renderMigrationResult(result));
    // The server parses the files again and applies the same rules; the trace stays here.
    await recordEvidence(cli, 'migration', o, {
      files: files.map((f) => ({ name: f.file, text: f.text })),
      ...(schema ? { schema: { name: schema.file, text: schema.text } } : {}),
      inTransaction: o.inTransaction ?? false,
      lockTimeoutMs,
      dynamic,
    });
    cli.fail(result.verdict === 'safe' ? EXIT.OK : EXIT.NO);
  });
}

function readText(cli: CliContext, p: string): string {
  try {
    return readFileSync(cli.path(p), 'utf8');
  } catch (e) {
    throw new CliError(EXIT.USAGE, `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
