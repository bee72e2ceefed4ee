import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { parseFormat } from '../cli/context';
import { renderTable } from '../cli/table';
import type { AgendaItem, CalendarEntry } from './change-reports';
import type { DoraReport, Metric } from './dora-metrics';

const OUTPUT_HELP = 'table | json | yaml';
const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace(/:00\.000Z$/, 'Z'));
const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));

/** `shipgate cab agenda`, `shipgate calendar`, `shipgate risk model`, `shipgate dora`. */
export function changeReportCommands(program: Command, cli: CliContext): void {
  program
    .command('cab')
    .description('change advisory board')
    .command('agenda')
    .description('changes awaiting approval, in review order (emergencies, soonest, riskiest), with risk and conflicts')
    .option('--date <date>', 'only changes planned that day (YYYY-MM-DD, UTC)')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (o: { date?: string; output: string }) => {
      const r = await cli.api().get<{ items: AgendaItem[] }>('/api/v1/cab/agenda', { date: o.date });
      cli.print(r.items, o.output, () => ({
        headers: ['#', 'id', 'type', 'risk', 'service', 'env', 'scheduled', 'awaiting', 'conflicts', 'title'],
        rows: r.items.map((i, n) => [
          n + 1,
          i.id,
          i.type,
          i.riskLevel ? `${i.riskLevel}/${i.riskPoints}` : '-',
          i.service,
          i.environment,
          iso(i.scheduledStartMs),
          i.awaiting.join(', ') || '-',
          i.conflicts.map((c) => c.kind).join(',') || '-',
          i.title,
        ]),
      }));
    });

  program
    .command('calendar')
    .description('freeze, maintenance and peak windows and scheduled changes')
    .option('--from <time>', 'start (default now): ISO-8601, a date, or -1d')
    .option('--to <time>', 'end (default 14 days after --from)')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (o: { from?: string; to?: string; output: string }) => {
      const r = await cli.api().get<{ entries: CalendarEntry[] }>('/api/v1/calendar', { from: o.from, to: o.to });
      cli.print(r, o.output, () => ({
        headers: ['start', 'end', 'what', 'name', 'detail'],
        rows: r.entries.map((e) => [iso(e.startMs), iso(e.endMs), e.what, e.name, e.detail]),
      }));
    });

  program
    .command('risk')
    .description('change risk')
    .command('model')
    .description('the learned risk model: AUC, Brier score and calibration on a time-ordered holdout, and the features that drive it')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (o: { output: string }) => {
      type Report = {
        outcomes: number;
        failures: number;
        status: string;
        learnedWeight: number;
        drivers: { feature: string; weight: number }[];
        holdout: null | {
          trainCount: number;
          holdoutCount: number;
          learned: {
            auc: number;
            brier: number;
            ece: number;
            calibration: { from: number; to: number; count: number; meanPredicted: number; observedRate: number }[];
          };
          points: { auc: number; brier: number; ece: number };
        };
      };
      const r = await cli.api().get<Report>('/api/v1/risk/model');
      if (parseFormat(o.output, ['table', 'json', 'yaml']) !== 'table') return cli.print(r, o.output, () => ({ headers: [], rows: [] }));
      cli.out(`${r.outcomes} closed changes with an outcome (${r.failures} failed); ${r.status}; learned weight ${r.learnedWeight.toFixed(2)}`);
      if (r.holdout) {
        const h = r.holdout;
        cli.out(`time-ordered holdout: trained on the oldest ${h.trainCount}, scored on the newest ${h.holdoutCount}`);
        cli.out(
          renderTable(
            ['model', 'auc', 'brier', 'ece'],
            [
              ['learned', num(h.learned.auc), num(h.learned.brier), num(h.learned.ece)],
              ['points', num(h.points.auc), num(h.points.brier), num(h.points.ece)],
            ],
          ),
        );
        cli.out('calibration (learned):');
        cli.out(
          renderTable(
            ['predicted', 'count', 'mean predicted', 'observed'],
            h.learned.calibration.map((b) => [`${b.from.toFixed(1)}-${b.to.toFixed(1)}`, b.count, num(b.meanPredicted), num(b.observedRate)]),
          ),
        );
      } else cli.out('no holdout yet: it needs at least 20 outcomes with both failures and successes in each part');
      if (r.drivers.length)
        cli.out(
          renderTable(
            ['feature', 'weight'],
            r.drivers.map((d) => [d.feature, num(d.weight)]),
          ),
        );
    });

  program
    .command('dora')
    .description('DORA metrics of production changes: deployment frequency, lead time, change fail rate, recovery time, rework rate, with performance bands')
    .option('--service <service>', 'only this service')
    .option('--team <team>', "only services this team owns (the Service's owner)")
    .option('--since <duration>', 'period, e.g. 30d, 90d, 12w', '90d')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (o: { service?: string; team?: string; since: string; output: string }) => {
      const r = await cli.api().get<{ overall: DoraReport; services: { service: string; report: DoraReport }[] }>('/api/v1/dora', {
        service: o.service,
        team: o.team,
        since: o.since,
      });
      const row = (name: string, m: Metric, digits = 3) => [name, num(m.value, digits), m.unit, m.band ?? '-'];
      cli.print(r, o.output, () => ({
        headers: ['metric', 'value', 'unit', 'band'],
        rows: [
          ['deployments', r.overall.deployments, 'count', '-'],
          row('deployment frequency', r.overall.deploymentFrequency),
          row('lead time for changes', r.overall.leadTimeForChanges, 1),
          row('change fail rate', r.overall.changeFailRate),
          row('failed deployment recovery time', r.overall.failedDeploymentRecoveryTime, 2),
          row('deployment rework rate', r.overall.deploymentReworkRate),
          row('change success rate', r.overall.changeSuccessRate),
        ],
      }));
      if (parseFormat(o.output, ['table', 'json', 'yaml']) === 'table' && r.services.length > 1) {
        cli.out(
          renderTable(
            ['service', 'deployments', 'per day', 'lead h', 'fail rate', 'recovery h', 'rework'],
            r.services.map((s) => [
              s.service,
              s.report.deployments,
              num(s.report.deploymentFrequency.value),
              num(s.report.leadTimeForChanges.value, 1),
              num(s.report.changeFailRate.value),
              num(s.report.failedDeploymentRecoveryTime.value, 2),
              num(s.report.deploymentReworkRate.value),
            ]),
          ),
        );
      }
    });
}
