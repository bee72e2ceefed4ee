/**
 * `shipgate drill run NAME` (follows the run: exit 0 passed, 1 failed, 2 bad input or refused),
 * `shipgate drill list` (last run, result, when due, overdue) and `shipgate drill show RUN`.
 */
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../cli/context';
import { CliError, EXIT } from '../cli/exit-codes';
import { renderTable } from '../cli/table';
import type { DrillRun } from './drill-store';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19));

function summary(r: DrillRun): string {
  const f = r.figures;
  const figures = f
    ? `traffic back ${f.timeToRollbackMs ?? '-'} ms after the decision, rolled back in ${f.timeToRolledBackMs ?? '-'} ms, ${f.userErrors} of ${f.userRequests} user requests failed`
    : 'no figures';
  return `${r.verdict.toUpperCase()}: ${figures}${r.reasons.length ? ` — ${r.reasons.join('; ')}` : ''}`;
}

export function drillCommands(program: Command, cli: CliContext): void {
  const drill = program.command('drill').description('recovery drills: a rollback under load, judged on its objectives and due by schedule');
  drill
    .command('run')
    .description('run a stored Drill now on the server and follow it: exit 0 passed, 1 failed, 2 bad input or refused')
    .argument('<name>')
    .option('-o, --output <format>', 'table | json', 'table')
    .action(async (name: string, o: { output: string }) => {
      const format = parseFormat(o.output, ['table', 'json'] as const);
      const api = cli.api();
      let run = await api.post<DrillRun>(`/api/v1/drills/${encodeURIComponent(name)}/runs`, {});
      let shown = 0;
      for (;;) {
        if (format === 'table') for (; shown < run.steps.length; shown++) cli.out(`${iso(run.steps[shown]!.atMs)}  ${run.steps[shown]!.what}`);
        if (run.verdict !== 'running') break;
        await new Promise((r) => setTimeout(r, 250));
        run = await api.get<DrillRun>(`/api/v1/drill-runs/${run.id}`);
      }
      cli.out(format === 'json' ? JSON.stringify(run, null, 2) : summary(run));
      if (run.verdict !== 'pass') cli.fail(EXIT.NO);
    });
  drill
    .command('list')
    .description('every Drill: its last run and result, when the next is due and whether it is overdue')
    .option('-o, --output <format>', 'table | json', 'table')
    .action(async (o: { output: string }) => {
      const format = parseFormat(o.output, ['table', 'json'] as const);
      const v = await cli.api().get<{
        drills: { name: string; service: string; environment: string; exercise: string; last: DrillRun | null; dueAtMs: number | null; overdue: boolean }[];
      }>('/api/v1/drills');
      if (format === 'json') return cli.out(JSON.stringify(v, null, 2));
      cli.out(
        renderTable(
          ['DRILL', 'SERVICE', 'EXERCISE', 'LAST RUN', 'RESULT', 'DUE', ''],
          v.drills.map((d) => [
            d.name,
            `${d.service}/${d.environment}`,
            d.exercise,
            iso(d.last?.startedAtMs),
            d.last?.verdict ?? 'never run',
            iso(d.dueAtMs),
            d.overdue ? 'OVERDUE' : '',
          ]),
        ),
      );
    });
  drill
    .command('show')
    .description("a drill run's steps with their times, its figures and verdict")
    .argument('<run>', 'run id (drl_…)')
    .option('-o, --output <format>', 'table | json', 'table')
    .action(async (id: string, o: { output: string }) => {
      const format = parseFormat(o.output, ['table', 'json'] as const);
      if (!/^drl_[0-9a-f]{20}$/.test(id)) throw new CliError(EXIT.USAGE, `expected a drill run id such as drl_0193…, got "${id}"`);
      const r = await cli.api().get<DrillRun>(`/api/v1/drill-runs/${id}`);
      if (format === 'json') return cli.out(JSON.stringify(r, null, 2));
      for (const s of r.steps) cli.out(`${iso(s.atMs)}  ${s.what}`);
      cli.out(summary(r));
    });
}
