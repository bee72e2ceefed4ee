/**
 * `shipgate experiment run NAME`: starts a run on the server and follows it, printing each journal
 * line as it comes (exit 0 the hypothesis held, 1 it deviated or was not met, 2 bad input or
 * refused); `experiment show RUN` prints a run's journal; `experiment list` the runs.
 */
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../../cli/context';
import { CliError, EXIT } from '../../cli/exit-codes';
import { renderTable } from '../../cli/table';
import type { viewOf } from './experiment-routes';

type RunView = ReturnType<typeof viewOf>;
type Entry = RunView['journal'][number];

const FOLLOW_MS = 300;

function line(e: Entry): string {
  const mark = e.type === 'probe' ? (e.ok ? (e.inconclusive ? '?' : '✓') : '✗') : e.ok ? '·' : '✗';
  return `${e.at.slice(11, 23)} ${e.phase.padEnd(8)} ${mark} ${e.type} ${e.name}: ${e.detail}`;
}

function journalTable(r: RunView): string {
  return [
    `${r.status.toUpperCase()} ${r.experiment} (${r.id}) for ${r.service} in ${r.environment}: ${r.summary}`,
    renderTable(
      ['TIME', 'PHASE', 'TYPE', 'NAME', 'RESULT', 'DETAIL'],
      r.journal.map((e) => [e.at, e.phase, e.type, e.name, e.inconclusive ? 'inconclusive' : e.ok ? 'ok' : 'FAIL', e.detail]),
    ),
  ].join('\n');
}

function exitOf(r: RunView): number {
  return r.status === 'completed' ? EXIT.OK : EXIT.NO;
}

export function experimentCommands(program: Command, cli: CliContext): void {
  const exp = program.command('experiment').description('chaos experiments run by the server against the router (Experiment kind)');
  exp
    .command('run')
    .description(
      'run a stored Experiment on the server and follow it: exit 0 the hypothesis held, 1 it deviated (rolled back) or did not hold before, 2 bad input or refused',
    )
    .argument('<name>', 'the Experiment')
    .option('--env <environment>', "environment to run in (default the Experiment's spec.environment, staging)")
    .option('-o, --output <format>', 'table | json', 'table')
    .action(async (name: string, o: { env?: string; output: string }) => {
      const format = parseFormat(o.output, ['table', 'json'] as const);
      const api = cli.api();
      let run = await api.post<RunView>(`/api/v1/experiments/${encodeURIComponent(name)}/runs`, o.env ? { environment: o.env } : {});
      if (format === 'table') cli.out(`started ${run.id}: ${name} for ${run.service} in ${run.environment}`);
      let shown = 0;
      for (;;) {
        if (format === 'table') for (; shown < run.journal.length; shown++) cli.out(line(run.journal[shown]));
        if (run.status !== 'running') break;
        await new Promise((r) => setTimeout(r, FOLLOW_MS));
        run = await api.get<RunView>(`/api/v1/experiment-runs/${run.id}`);
      }
      if (format === 'json') cli.out(JSON.stringify(run, null, 2));
      else cli.out(`${run.status.toUpperCase()}: ${run.summary}`);
      cli.fail(exitOf(run) as 0 | 1);
    });
  exp
    .command('show')
    .description("a run's journal: every probe and action with its time and result")
    .argument('<run>', 'run id (exp_…)')
    .option('-o, --output <format>', 'table | json', 'table')
    .action(async (id: string, o: { output: string }) => {
      const format = parseFormat(o.output, ['table', 'json'] as const);
      if (!/^exp_[0-9a-f]{20}$/.test(id)) throw new CliError(EXIT.USAGE, `expected a run id such as exp_0193…, got "${id}"`);
      const run = await cli.api().get<RunView>(`/api/v1/experiment-runs/${id}`);
      cli.out(format === 'json' ? JSON.stringify(run, null, 2) : journalTable(run));
    });
  exp
    .command('list')
    .description('runs of Experiments, newest first')
    .option('--experiment <name>', 'of one Experiment')
    .option('--limit <n>', 'at most this many (1-200)', '20')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (o: { experiment?: string; limit: string; output: string }) => {
      const r = await cli.api().get<{ runs: Omit<RunView, 'journal' | 'faults'>[] }>('/api/v1/experiment-runs', { experiment: o.experiment, limit: o.limit });
      cli.print(r, o.output, () => ({
        headers: ['RUN', 'EXPERIMENT', 'SERVICE', 'ENVIRONMENT', 'STATUS', 'STARTED', 'BY', 'SUMMARY'],
        rows: r.runs.map((x) => [x.id, x.experiment, x.service, x.environment, x.status, x.startedAt, x.actor, x.summary]),
      }));
    });
}
