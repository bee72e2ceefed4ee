import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { EXIT } from '../cli/exit-codes';
import type { AuditEvent } from './audit-log';

export function auditCommands(program: Command, cli: CliContext): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('walk the chain; exit 1 naming the first event that was edited, deleted or reordered')
    .option('-o, --output <format>', 'text | json', 'text')
    .action(async (o: { output: string }) => {
      const r = await cli.api().get<{ ok: boolean; events: number; seq?: number; reason?: string }>('/api/v1/audit/verify');
      if (o.output === 'json') cli.out(JSON.stringify(r, null, 2));
      else if (r.ok) cli.out(`audit log intact: ${r.events} events verified`);
      else cli.out(`audit log BROKEN at event ${r.seq}: ${r.reason} (${r.events} events before it verified)`);
      if (!r.ok) cli.fail(EXIT.NO);
    });
  audit
    .command('export')
    .description('write every event as JSON lines (stdout, or --out FILE)')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--kind <kind>', 'only events about this kind')
    .option('--name <name>', 'only events about this name')
    .action(async (o: { out?: string; kind?: string; name?: string }) => {
      const stream = o.out ? createWriteStream(cli.path(o.out)) : undefined;
      const write = (s: string) => (stream ? stream.write(s) : cli.io.stdout(s));
      let after = 0;
      let n = 0;
      for (;;) {
        const { items } = await cli.api().get<{ items: AuditEvent[] }>('/api/v1/audit/events', { after, limit: 5000, kind: o.kind, name: o.name });
        for (const e of items) write(JSON.stringify(e) + '\n');
        n += items.length;
        if (items.length < 5000) break;
        after = items[items.length - 1].seq;
      }
      if (stream) {
        await new Promise<void>((res, rej) => stream.end((e?: Error | null) => (e ? rej(e) : res())));
        cli.err(`${n} events written to ${o.out}`);
      }
    });
}
