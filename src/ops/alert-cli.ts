import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import type { StoredAlert } from './alertmanager';

export function alertCommands(program: Command, cli: CliContext): void {
  const alerts = program.command('alerts').description('alerts received from Alertmanager, linked to services and versions by their labels');
  alerts
    .command('list')
    .description('alerts, newest first')
    .option('--service <name>', 'only this service')
    .option('--status <status>', 'firing | resolved')
    .option('--limit <n>', 'at most this many (1-500)', '100')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (o: { service?: string; status?: string; limit: string; output: string }) => {
      const r = await cli.api().get<{ items: StoredAlert[] }>('/api/v1/alerts', { service: o.service, status: o.status, limit: o.limit });
      cli.print(r, o.output, () => ({
        headers: ['STATUS', 'ALERT', 'SEVERITY', 'SERVICE', 'ENVIRONMENT', 'VERSION', 'SINCE', 'SUMMARY'],
        rows: r.items.map((a) => [
          a.status,
          a.name,
          a.severity ?? '-',
          a.service ?? '-',
          a.environment ?? '-',
          a.version ?? '-',
          new Date(a.startsAtMs).toISOString(),
          a.annotations.summary ?? a.annotations.description ?? '',
        ]),
      }));
    });
}
