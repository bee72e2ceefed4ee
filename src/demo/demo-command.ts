import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { CliError, EXIT } from '../cli/exit-codes';

/** `shipgate demo`: the whole loop on one machine (see run-demo.ts). */
export function demoCommand(program: Command, cli: CliContext): void {
  program
    .command('demo')
    .description('run the demo: server, router, the shop service, user traffic; release v2 (promoted) and v3 (rolled back automatically)')
    .option('--port <port>', 'router port users reach', '8080')
    .option('--listen <host:port>', 'API address', '127.0.0.1:0')
    .option('--data <dir>', 'data folder (default: a temporary folder, removed at the end)')
    .option('--rate <n>', 'user requests per second', '50')
    .option('--users <n>', 'simulated users', '500')
    .option('--exit', 'stop after the summary (for CI)')
    .option('-o, --output <format>', 'table | json (the summary)')
    .action(async (o: { port: string; listen: string; data?: string; rate: string; users: string; exit?: boolean; output?: string }) => {
      const port = Number(o.port);
      const rate = Number(o.rate);
      const users = Number(o.users);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(EXIT.USAGE, `--port: expected a port number, got "${o.port}"`);
      if (!(rate > 0 && rate <= 5000)) throw new CliError(EXIT.USAGE, `--rate: expected 1..5000 requests per second, got "${o.rate}"`);
      if (!Number.isInteger(users) || users < 1) throw new CliError(EXIT.USAGE, `--users: expected a positive number, got "${o.users}"`);
      const json = o.output === 'json';
      const { runDemo } = await import('./run-demo');
      const result = await runDemo({
        router: `127.0.0.1:${port}`,
        listen: o.listen,
        dataDir: o.data ? cli.path(o.data) : undefined,
        ratePerSecond: rate,
        users,
        repoDir: resolve(import.meta.dirname, '..', '..'),
        out: json ? (l) => cli.err(l) : (l) => cli.out(l),
        exit: Boolean(o.exit),
      });
      if (json) cli.out(JSON.stringify(result, null, 2));
      const [v2, v3] = result.releases;
      if (v2?.outcome !== 'completed' || v3?.outcome !== 'rolledBack') cli.fail(EXIT.NO);
    });
}
