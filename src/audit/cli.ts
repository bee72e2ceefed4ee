import { closeSync, openSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { CliError, EXIT } from '../cli/exit-codes';
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
      // The file is opened before anything is fetched, so a bad path fails at once as a usage error.
      const fd = o.out ? openOut(cli.path(o.out)) : undefined;
      let after = 0;
      let n = 0;
      try {
        for (;;) {
          const { items } = await cli.api().get<{ items: AuditEvent[] }>('/api/v1/audit/events', { after, limit: 5000, kind: o.kind, name: o.name });
          const text = items.map((e) => JSON.stringify(e) + '\n').join('');
          if (fd === undefined) cli.io.stdout(text);
          else writeOut(fd, text, o.out!);
          n += items.length;
          if (items.length < 5000) break;
          after = items[items.length - 1].seq;
        }
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
      if (o.out) cli.err(`${n} events written to ${o.out}`);
    });
}

function openOut(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (e) {
    throw new CliError(EXIT.USAGE, `cannot write ${path}: ${(e as Error).message}`);
  }
}

function writeOut(fd: number, text: string, path: string): void {
  try {
    writeSync(fd, text);
  } catch (e) {
    throw new CliError(EXIT.USAGE, `writing ${path} failed: ${(e as Error).message}`);
  }
}
