import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { CliError, EXIT } from '../cli/exit-codes';
import { keepServingWithoutOutput } from '../cli/stdio';
import { formatIssue, isDomainError, type InputError } from '../core/errors';
import { FileRouteSource } from './file-route-source';
import { Router } from './router';
import { ServerRouteSource } from './server-route-source';
import { HttpPushSink } from './stats-sinks';

interface RouterFlags {
  config?: string;
  listen: string;
  admin?: string;
  lastGood?: string;
  pushMs: string;
  fastPath: boolean;
}

/**
 * `shipgate router`: the data plane as its own process, from a file (`--config`, reloaded on
 * change and SIGHUP) or following the control plane (`--server URL`, the global option).
 */
export function routerCommand(program: Command, cli: CliContext): void {
  program
    .command('router')
    .description('run the built-in HTTP router from a route table file (--config) or following the server (--server URL)')
    .option('--config <file>', 'RouteTable manifest file (YAML or JSON); reloaded on change and on SIGHUP')
    .option('--listen <host:port>', 'address the proxy listens on', '127.0.0.1:8080')
    .option('--admin <host:port>', 'address of the admin API (GET/PUT /routes, /stats, /metrics, /healthz)')
    .option('--last-good <file>', 'server mode: where the last table applied is kept (default .shipgate/router-last-good.json)')
    .option('--push-ms <ms>', 'server mode: how often stats are pushed to the server, ms', '5000')
    .option('--no-fast-path', 'serve every request through node:http instead of the raw-socket HTTP/1.1 path')
    .action(async (o: RouterFlags) => {
      const g = program.opts<{ server?: string; token?: string }>();
      const serverUrl = g.server ?? cli.io.env.SHIPGATE_SERVER;
      if (!o.config && !serverUrl) throw new CliError(EXIT.USAGE, 'give --config FILE (file mode) or --server URL (follow the control plane)');
      keepServingWithoutOutput();
      const report = (m: string) => cli.err(`${new Date().toISOString()} ${m}`);
      const pushMs = Number(o.pushMs);
      if (!Number.isInteger(pushMs) || pushMs < 100) throw new CliError(EXIT.USAGE, '--push-ms must be an integer >= 100');

      let stopSource: () => void;
      let router: Router;
      if (o.config) {
        router = new Router({ log: report, fastPath: o.fastPath });
        const source = new FileRouteSource(cli.path(o.config), router, report);
        try {
          source.load();
        } catch (e) {
          const issues = isDomainError(e) ? ((e as InputError).issues ?? []) : [];
          throw new CliError(EXIT.USAGE, issues.length ? `route table refused:\n${issues.map((i) => '  ' + formatIssue(i)).join('\n')}` : (e as Error).message);
        }
        source.watch();
        stopSource = () => source.close();
      } else {
        const token = g.token ?? cli.io.env.SHIPGATE_TOKEN ?? readTokenFile(cli);
        router = new Router({ log: report, fastPath: o.fastPath, sink: new HttpPushSink(serverUrl!, token), flushMs: pushMs });
        const source = new ServerRouteSource(router, {
          serverUrl: serverUrl!,
          token,
          lastGoodFile: cli.path(o.lastGood ?? join(cli.io.env.SHIPGATE_DATA ?? '.shipgate', 'router-last-good.json')),
          report,
        });
        source.loadLastGood();
        source.start();
        stopSource = () => source.close();
      }
      let addr: Awaited<ReturnType<Router['start']>>;
      try {
        addr = await router.start({ listen: o.listen, admin: o.admin });
      } catch (e) {
        // Nothing may keep the process alive after the error: stop watching, close what opened.
        stopSource();
        await router.close();
        throw new CliError(EXIT.USAGE, `cannot listen (--listen ${o.listen}${o.admin ? `, --admin ${o.admin}` : ''}): ${(e as Error).message}`);
      }
      report(`router listening on ${router.url()}${addr.admin ? `, admin on ${router.adminUrl()}` : ''}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      report('router shutting down');
      stopSource();
      await router.close();
      // Connections the runtime keeps for reuse (stats pushes, the watch stream) must not hold a
      // stopped router open; the timer is unref'd, so a clean exit comes first when it can.
      setTimeout(() => process.exit(), 2_000).unref();
    });
}

function readTokenFile(cli: CliContext): string | undefined {
  const file = join(cli.io.env.SHIPGATE_DATA ?? join(cli.io.cwd, '.shipgate'), 'admin.token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
