/** `shipgate data sync`: the command group `data` and its one command, options to SyncOptions, the report as a table or JSON. */
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../../cli/context';
import { CliError, EXIT } from '../../cli/exit-codes';
import { renderTable } from '../../cli/table';
import { dataSync, type SyncReport } from './data-sync';
import { parseMaskSpec } from './masking';
import { tableKey } from './pg-schema';

const FORMATS = ['table', 'json'] as const;

interface Options {
  from: string;
  to: string;
  tables: string;
  withChildren?: string;
  where: string[];
  mask: string[];
  maskKey?: string;
  limit: string;
  maxRows: string;
  dryRun?: boolean;
  truncate?: boolean;
  output: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function positiveInt(v: string, flag: string): number {
  const n = Number(v.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new CliError(EXIT.USAGE, `${flag} must be a positive integer, not "${v}"`);
  return n;
}

/** `table:condition` (the table may be `schema.table`; the condition is everything after the first colon). */
export function parseWhere(specs: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of specs) {
    const i = s.indexOf(':');
    if (i <= 0 || !s.slice(i + 1).trim()) throw new CliError(EXIT.USAGE, `--where ${s}: expected table:condition`);
    const t = tableKey(s.slice(0, i).trim());
    if (out.has(t)) throw new CliError(EXIT.USAGE, `--where: ${t} has two conditions; join them with AND`);
    out.set(t, s.slice(i + 1));
  }
  return out;
}

/** The report for people: rows per table (selected, pulled in by the closure), masks, and how cycles were inserted. */
export function renderSyncReport(r: SyncReport): string {
  let out = renderTable(
    ['table', 'selected', 'children', 'pulled in', 'rows', 'masked'],
    r.tables.map((t) => [
      t.table + (t.root ? '' : t.children ? ' (children)' : ' (closure)'),
      t.selected,
      t.children,
      t.pulledIn,
      t.rows,
      Object.entries(t.masked)
        .map(([c, m]) => `${c}=${m}`)
        .join(', ') || '-',
    ]),
  );
  if (r.deferred.length) out += `cycle foreign keys checked at COMMIT (deferrable): ${r.deferred.join(', ')}\n`;
  if (r.nullThenUpdate.length) out += `cycle foreign keys inserted NULL, then updated: ${r.nullThenUpdate.join(', ')}\n`;
  const what = r.dryRun ? 'dry run: nothing written' : `written in one transaction${r.truncated ? ' (copied tables truncated first)' : ''}`;
  out += `\n${r.totalRows} rows from ${r.tables.length} tables, ${r.closureRounds} closure rounds, ${r.durationMs} ms; ${what}; mask key ${r.maskKey}\n`;
  return out;
}

/** Registers `shipgate data …` (called from the verify capability's cli()). */
export function dataCommands(program: Command, cli: CliContext): void {
  const data = program
    .command('data')
    .description(
      'Data for staging: copy a masked, referentially complete subset of a PostgreSQL database (exit 0 done, 1 refused by the target, 2 bad input, 3 unreachable)',
    );
  data
    .command('sync')
    .description(
      'copy rows of --tables, and every row they reference through foreign keys (transitively, cycles included), from --from to --to in ONE transaction, masking columns on the way. ' +
        '--from is opened read-only (default_transaction_read_only=on, one REPEATABLE READ snapshot) and is never written. ' +
        '--where is the only raw SQL: it runs on the read-only source connection only; every identifier is quoted. ' +
        'Exit 0 copied, 1 the target refused (constraint, primary key conflict: named, nothing written), 2 bad input (unknown table, missing column on the target, bad mask, same database, row cap), 3 a database cannot be reached',
    )
    .requiredOption('--from <url>', 'source postgres://… (read only)')
    .requiredOption('--to <url>', 'target postgres://… (must already have the schema of every copied table)')
    .requiredOption('--tables <list>', 'root tables, comma-separated: table or schema.table (default schema public)')
    .option(
      '--with-children <list>',
      'tables, comma-separated, whose rows referencing the selected rows come too (one level, at most --limit each; their own references by the closure)',
    )
    .option(
      '--where <table:condition>',
      "raw SQL condition for a root table, run on the source only, e.g. 'orders:created_at > now() - interval ''7 days''' (repeatable)",
      collect,
      [],
    )
    .option(
      '--mask <table.column=rule>',
      'hash | email | null | keep | fixed:VALUE (repeatable); key columns: hash or email, applied alike to every linked column',
      collect,
      [],
    )
    .option(
      '--mask-key <key>',
      'HMAC key of hash and email masks (or SHIPGATE_MASK_KEY, kept out of the process list); same key, same masked values across runs; default: random per run',
    )
    .option('--limit <n>', 'rows per root table', '10000')
    .option('--max-rows <n>', 'most rows copied in all, closure included', '1000000')
    .option('--dry-run', 'select, close over foreign keys and report; write nothing')
    .option('--truncate', 'empty the copied tables on the target first (in the same transaction); without it an existing primary key is an error')
    .option('-o, --output <format>', FORMATS.join(' | '), 'table')
    .action(async (o: Options) => {
      const format = parseFormat(o.output, FORMATS);
      const tables = o.tables
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      if (!tables.length) throw new CliError(EXIT.USAGE, '--tables names no table');
      const report = await dataSync({
        from: o.from,
        to: o.to,
        tables,
        withChildren: o.withChildren
          ?.split(',')
          .map((t) => t.trim())
          .filter(Boolean),
        where: parseWhere(o.where),
        masks: o.mask.map(parseMaskSpec),
        maskKey: o.maskKey ?? cli.io.env.SHIPGATE_MASK_KEY,
        limit: positiveInt(o.limit, '--limit'),
        maxRows: positiveInt(o.maxRows, '--max-rows'),
        dryRun: o.dryRun ?? false,
        truncate: o.truncate ?? false,
        log: (t) => cli.err(t),
        progress: cli.io.isTTY ? (t) => cli.err(`data sync: ${t}`) : undefined,
      });
      cli.out(format === 'json' ? JSON.stringify(report, null, 2) : renderSyncReport(report));
      cli.fail(EXIT.OK);
    });
}
