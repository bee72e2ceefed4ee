import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { parseFormat } from '../cli/context';
import type { OutboxView } from './outbox-store';

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

/** `shipgate outbox list`: notifications and the outcome of their delivery attempts (oncall, admin). */
export function outboxCommands(program: Command, cli: CliContext): void {
  const outbox = program.command('outbox').description('notifications sent after commit: delivery attempts and outcomes');
  outbox
    .command('list')
    .description('messages newest first: kind, target host, status, attempts, last error')
    .option('--status <status>', 'pending | sent | dead')
    .option('--kind <kind>', 'only this kind, e.g. slo.alert')
    .option('--limit <n>', 'at most this many (1-1000)', '100')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (o: { status?: string; kind?: string; limit: string; output: string }) => {
      parseFormat(o.output, ['table', 'json', 'yaml']);
      const { items } = await cli.api().get<{ items: OutboxView[] }>('/api/v1/outbox', { status: o.status, kind: o.kind, limit: o.limit });
      cli.print(items, o.output, () => ({
        headers: ['ID', 'KIND', 'HOST', 'STATUS', 'ATTEMPTS', 'CREATED', 'NEXT ATTEMPT', 'SENT', 'LAST ERROR'],
        rows: items.map((m) => [
          m.id,
          m.kind,
          m.host,
          m.status,
          m.attempts,
          iso(m.createdMs),
          m.status === 'pending' ? iso(m.nextAttemptMs) : '-',
          iso(m.sentMs),
          m.lastError ?? '-',
        ]),
      }));
    });
}
