/**
 * `shipgate backup check NAME` (starts a run on the server and follows it: progress on stderr on
 * a terminal, then the verdict; exit 0 pass, 1 fail, 2 refused), `shipgate backup show RUN` and
 * `shipgate backup list`.
 */
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../cli/context';
import { EXIT } from '../cli/exit-codes';
import { renderTable } from '../cli/table';
import { formatDurationMs } from '../core/duration';
import type { CheckView, RunView } from './dr-routes';

const POLL_MS = 250;
const dur = (ms: number | null) => (ms === null ? '-' : formatDurationMs(ms));

function runTable(cli: CliContext, r: RunView): void {
  cli.out(`${r.check} (${r.database} in ${r.environment}, ${r.source}) run ${r.id}: ${r.summary}`);
  cli.out(
    `restore ${dur(r.restoreMs)} (rto ${dur(r.rtoMs)}), backup age ${dur(r.backupAgeMs)} (rpo ${dur(r.rpoMs)}), amcheck ${r.amcheck ?? '-'}` +
      (r.backupBytes === null ? '' : `, ${(r.backupBytes / 1_048_576).toFixed(1)} MiB`),
  );
  if (r.tables.length)
    cli.out(
      renderTable(
        ['TABLE', 'STATUS', 'SOURCE ROWS', 'RESTORED ROWS', 'CRITICAL'],
        r.tables.map((t) => [t.table, t.status, t.sourceRows, t.restoredRows, t.critical ? 'yes' : '']),
      ),
    );
  for (const reason of r.reasons) cli.out(`  fail: ${reason}`);
}

function finish(cli: CliContext, r: RunView, format: 'table' | 'json' | 'yaml'): void {
  if (format === 'table') runTable(cli, r);
  else cli.print(r, format, () => ({ headers: [], rows: [] }));
  if (r.status === 'fail') cli.fail(EXIT.NO);
}

export function drCommands(program: Command, cli: CliContext): void {
  const backup = program.command('backup').description('backup restore drills: prove a Database backup restores, within its rto and rpo');
  backup
    .command('check')
    .description('run a BackupCheck on the server: dump (or its file), restore into a throwaway database, compare every table, amcheck; exit 1 on a fail')
    .argument('<name>', 'a BackupCheck')
    .option('--no-wait', 'start the run and print it without waiting for the verdict')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (name: string, o: { wait: boolean; output: string }) => {
      const format = parseFormat(o.output, ['table', 'json', 'yaml']);
      const api = cli.api();
      let r = await api.post<RunView>(`/api/v1/backup-checks/${encodeURIComponent(name)}/runs`, {});
      if (!o.wait) {
        if (format === 'table') cli.out(`started ${r.id}; follow it with: shipgate backup show ${r.id}`);
        else cli.print(r, format, () => ({ headers: [], rows: [] }));
        return;
      }
      // Progress for people only: a step's line when it ends (stderr, so -o json stays clean).
      const progress = cli.io.isTTY;
      let shown = 0;
      const report = () => {
        for (; shown < r.steps.length && r.steps[shown]!.endedAt !== null; shown++) {
          const s = r.steps[shown]!;
          if (progress) cli.err(`${s.ok ? '✓' : '✗'} ${s.step}: ${s.message}`);
        }
      };
      if (progress) cli.err(`running ${name} (${r.id}): dump, restore, compare…`);
      while (r.status === 'running') {
        await new Promise((res) => setTimeout(res, POLL_MS));
        r = await api.get<RunView>(`/api/v1/backup-runs/${r.id}`);
        report();
      }
      finish(cli, r, format);
    });
  backup
    .command('show')
    .description('one run of a BackupCheck: steps, verdict, tables; exit 1 when it failed')
    .argument('<run>', 'a run id (bkp_…)')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (id: string, o: { output: string }) => {
      const format = parseFormat(o.output, ['table', 'json', 'yaml']);
      finish(cli, await cli.api().get<RunView>(`/api/v1/backup-runs/${encodeURIComponent(id)}`), format);
    });
  backup
    .command('list')
    .description('every BackupCheck with its latest run')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (o: { output: string }) => {
      const r = await cli.api().get<{ checks: CheckView[] }>('/api/v1/backup-checks');
      cli.print(r, o.output, () => ({
        headers: ['NAME', 'DATABASE', 'ENVIRONMENT', 'SOURCE', 'RTO', 'RPO', 'LAST RUN', 'STATUS', 'RESTORE', 'AGE'],
        rows: r.checks.map((c) => [
          c.name,
          c.database,
          c.environment,
          c.source,
          dur(c.rtoMs),
          dur(c.rpoMs),
          c.lastRun?.startedAt.slice(0, 19).replace('T', ' '),
          c.lastRun?.status,
          dur(c.lastRun?.restoreMs ?? null),
          dur(c.lastRun?.backupAgeMs ?? null),
        ]),
      }));
    });
}
