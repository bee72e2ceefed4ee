import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { CliError, EXIT } from '../cli/exit-codes';
import type { AuditEvent } from './audit-log';
import type { AuditVerdict, Checkpoint } from './checkpoints';

export function auditCommands(program: Command, cli: CliContext): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description(
      'walk the MAC chain and compare it with the newest signed checkpoint (or --checkpoint FILE); exit 1 naming the first event edited, deleted or reordered, or how many are missing',
    )
    .option('--checkpoint <file>', 'compare with this exported checkpoint (from `shipgate audit checkpoint export`) instead')
    .option('-o, --output <format>', 'text | json', 'text')
    .action(async (o: { output: string; checkpoint?: string }) => {
      const r = o.checkpoint
        ? await cli.api().post<AuditVerdict>('/api/v1/audit/verify', { checkpoint: readCheckpointFile(cli.path(o.checkpoint)) })
        : await cli.api().get<AuditVerdict>('/api/v1/audit/verify');
      if (o.output === 'json') cli.out(JSON.stringify(r, null, 2));
      else if (r.ok) {
        const cp = r.checkpoints?.[0];
        cli.out(
          `audit log intact: ${r.events} events verified${cp ? `; matches the signed checkpoint of ${cp.at} (sequence ${cp.headSeq}, ${cp.source})` : '; no signed checkpoint to compare with yet'}`,
        );
      } else if (r.missing !== undefined) cli.out(`audit log BROKEN: ${r.reason} (${r.events} events verified)`);
      else if (r.seq === 0) cli.out(`audit log NOT VERIFIED: ${r.reason} (${r.events} events verified)`);
      else cli.out(`audit log BROKEN at event ${r.seq}: ${r.reason} (${r.events} events before it verified)`);
      if (!r.ok) cli.fail(EXIT.NO);
    });
  const checkpoint = audit.command('checkpoint').description('signed checkpoints of the chain head');
  checkpoint
    .command('export')
    .description('sign the current head and print it as JSON, to keep off this host (verify later with `audit verify --checkpoint FILE`)')
    .action(async () => {
      const cp = await cli.api().post<Checkpoint>('/api/v1/audit/checkpoints', {});
      cli.out(JSON.stringify(cp, null, 2));
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

/** An unreadable or non-JSON file is a usage error (exit 2); a readable one that was edited is a finding (exit 1, from the server). */
function readCheckpointFile(file: string): Record<string, unknown> {
  const text = asUsageError(`cannot read checkpoint ${file}`, () => readFileSync(file, 'utf8'));
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CliError(EXIT.USAGE, `checkpoint ${file} is not JSON: ${(e as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new CliError(EXIT.USAGE, `checkpoint ${file} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** File errors (a missing folder, no permission, a full disk) are the user's to fix: exit 2, not a stack trace. */
function asUsageError<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new CliError(EXIT.USAGE, `${what}: ${(e as Error).message}`);
  }
}
