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
      const out = o.out ? cli.path(o.out) : undefined;
      const fd = out ? asUsageError(`cannot write ${out}`, () => openSync(out, 'w')) : undefined;
      let after = 0;
      let n = 0;
      try {
        for (;;) {
          const { items } = await cli.api().get<{ items: AuditEvent[] }>('/api/v1/audit/events', { after, limit: 5000, kind: o.kind, name: o.name });
          const text = items.map((e) => JSON.stringify(e) + '\n').join('');
          if (fd === undefined) cli.io.stdout(text);
          else asUsageError(`writing ${out} failed`, () => writeSync(fd, text));
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

/** File errors (a missing folder, no permission, a full disk) are the user's to fix: exit 2, not a stack trace. */
function asUsageError<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new CliError(EXIT.USAGE, `${what}: ${(e as Error).message}`);
  }
}
