import type { Command } from 'commander';
import type { CliContext } from './context';
import { keepServingWithoutOutput } from './stdio';
import { CliError, EXIT } from './exit-codes';
import { EGRESS_PURPOSES } from '../egress/egress-rules';

/** `shipgate server`: runs the control plane until SIGINT or SIGTERM. */
export function serverCommand(program: Command, cli: CliContext): void {
  program
    .command('server')
    .description('run the Shipgate server (API, executors; SQLite in --data unless DATABASE_URL is set)')
    .option('--listen <host:port>', 'address to listen on (SHIPGATE_LISTEN)', undefined)
    .option('--data <dir>', 'data folder (SHIPGATE_DATA)', undefined)
    .option(
      '--audit-key-file <file>',
      'HMAC key of the audit chain, shared by every server on one database (SHIPGATE_AUDIT_KEY_FILE; default DATA/audit.key, created 0600)',
    )
    .option(
      '--audit-signing-key-file <file>',
      'Ed25519 key that signs audit checkpoints (SHIPGATE_AUDIT_SIGNING_KEY_FILE; default DATA/audit-signing.key, created 0600)',
    )
    .option('--router <host:port>', 'also run the built-in router in this process, serving the managed route table')
    .option(
      '--allow-loopback-egress [purposes]',
      'let webhooks, metric sources and backends be on loopback (all, or a comma list of webhook,metricSource,backend)',
    )
    .option('--max-streams-per-token <n>', 'event streams (flag SDK, router watch) one token may hold open (SHIPGATE_MAX_STREAMS_PER_TOKEN; default 8)')
    .option(
      '--egress-allow <purpose=entry>',
      'allowlist a host, *.domain, IP or CIDR for webhook, metricSource or backend (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .action(
      async (o: {
        listen?: string;
        data?: string;
        auditKeyFile?: string;
        auditSigningKeyFile?: string;
        router?: string;
        allowLoopbackEgress?: boolean | string;
        egressAllow: string[];
        maxStreamsPerToken?: string;
      }) => {
        const streams = o.maxStreamsPerToken ?? cli.io.env.SHIPGATE_MAX_STREAMS_PER_TOKEN;
        const maxStreamsPerToken = streams === undefined ? undefined : Number(streams);
        if (maxStreamsPerToken !== undefined && !(Number.isInteger(maxStreamsPerToken) && maxStreamsPerToken >= 1 && maxStreamsPerToken <= 100_000)) {
          throw new CliError(EXIT.USAGE, `--max-streams-per-token (or SHIPGATE_MAX_STREAMS_PER_TOKEN) must be an integer from 1 to 100000, got "${streams}"`);
        }
        keepServingWithoutOutput();
        const { startServer } = await import('../server');
        const s = await startServer({
          listen: o.listen ?? cli.io.env.SHIPGATE_LISTEN,
          dataDir: o.data ?? cli.io.env.SHIPGATE_DATA,
          databaseUrl: cli.io.env.DATABASE_URL,
          auditKeyFile: o.auditKeyFile ? cli.path(o.auditKeyFile) : cli.io.env.SHIPGATE_AUDIT_KEY_FILE || undefined,
          auditSigningKeyFile: o.auditSigningKeyFile ? cli.path(o.auditSigningKeyFile) : cli.io.env.SHIPGATE_AUDIT_SIGNING_KEY_FILE || undefined,
          router: o.router,
          options: { egress: egressOptions(o.allowLoopbackEgress, o.egressAllow), ...(maxStreamsPerToken ? { sse: { maxStreamsPerToken } } : {}) },
        });
        cli.err(`Shipgate server listening on ${s.url} (store: ${s.ctx.dialect})`);
        if (s.adminTokenFile) cli.err(`bootstrap admin token written to ${s.adminTokenFile} (mode 0600)`);
        if (o.router) cli.err(`router serving on http://${o.router}`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        cli.err('shutting down');
        await s.close();
      },
    );
}

const PURPOSES: readonly string[] = EGRESS_PURPOSES;

/** `--allow-loopback-egress [list]` and `--egress-allow purpose=entry` as `options.egress` (checked again when the server starts). */
function egressOptions(loopback: boolean | string | undefined, allow: string[]): Record<string, unknown> {
  const allowLoopback =
    typeof loopback === 'string'
      ? loopback
          .split(',')
          .map((s: string) => s.trim())
          .filter(Boolean)
      : loopback === true;
  if (Array.isArray(allowLoopback)) {
    for (const p of allowLoopback)
      if (!PURPOSES.includes(p)) throw new CliError(EXIT.USAGE, `--allow-loopback-egress: unknown purpose "${p}"; expected ${PURPOSES.join(', ')}`);
  }
  const lists: Record<string, string[]> = {};
  for (const a of allow) {
    const i = a.indexOf('=');
    const purpose = i > 0 ? a.slice(0, i) : '';
    if (!PURPOSES.includes(purpose))
      throw new CliError(EXIT.USAGE, `--egress-allow "${a}": expected PURPOSE=ENTRY with PURPOSE one of ${PURPOSES.join(', ')}, e.g. webhook=hooks.slack.com`);
    (lists[purpose] ??= []).push(a.slice(i + 1));
  }
  return { allowLoopback, allow: lists };
}
