import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { CliError, EXIT } from '../cli/exit-codes';
import { keepServingWithoutOutput } from '../cli/stdio';
import { formatIssue, isDomainError, type InputError } from '../core/errors';
import { FileRouteSource } from './file-route-source';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_FILE_MODE } from '../core/private-files';
import { parseListen, Router } from './router';
import { ServerRouteSource } from './server-route-source';
import { HttpPushSink } from './stats-sinks';

interface RouterFlags {
  config?: string;
  listen: string;
  admin?: string;
  adminTokenFile?: string;
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
    .option('--admin <host:port>', 'address of the admin API (GET/PUT /routes, /stats, /metrics, /healthz); bearer token required')
    .option('--admin-token-file <file>', 'file holding the admin API bearer token (else SHIPGATE_ROUTER_ADMIN_TOKEN; else one is written to the state folder)')
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
      // Decided before anything starts: a usage error must not leave a half-started router.
      const admin = o.admin ? adminToken(cli, o, report) : undefined;

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
        addr = await router.start({ listen: o.listen, admin: o.admin, adminToken: admin });
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

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/** Name of the admin token file written in the router's state folder when none is given. */
export const GENERATED_ADMIN_TOKEN_FILE = 'router-admin.token';

/**
 * The admin API's bearer token: `--admin-token-file`, else SHIPGATE_ROUTER_ADMIN_TOKEN, else (on a
 * loopback address only) the token in the state folder's router-admin.token, written 0600 with a
 * new random token when missing, and its path printed. A non-loopback --admin without a token
 * given is a usage error: a token only on this machine's disk would be a secret nobody meant to
 * share, and no token at all would leave routes open to the network.
 */
function adminToken(cli: CliContext, o: RouterFlags, report: (m: string) => void): string {
  if (o.adminTokenFile) {
    const file = cli.path(o.adminTokenFile);
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new CliError(EXIT.USAGE, `--admin-token-file ${o.adminTokenFile}: ${(e as Error).message}`);
    }
    if (text.length < 16) throw new CliError(EXIT.USAGE, `--admin-token-file ${o.adminTokenFile}: the token must be at least 16 characters`);
    return text;
  }
  const fromEnv = cli.io.env.SHIPGATE_ROUTER_ADMIN_TOKEN?.trim();
  if (fromEnv) {
    if (fromEnv.length < 16) throw new CliError(EXIT.USAGE, 'SHIPGATE_ROUTER_ADMIN_TOKEN must be at least 16 characters');
    return fromEnv;
  }
  let host: string;
  try {
    host = parseListen(o.admin!).host;
  } catch (e) {
    throw new CliError(EXIT.USAGE, `--admin: ${(e as Error).message}`);
  }
  if (!isLoopbackHost(host)) {
    throw new CliError(
      EXIT.USAGE,
      `--admin ${o.admin} is reachable from other machines: give the admin API a token with --admin-token-file FILE or SHIPGATE_ROUTER_ADMIN_TOKEN (at least 16 characters), or bind --admin to 127.0.0.1`,
    );
  }
  const dir = cli.path(cli.io.env.SHIPGATE_DATA ?? '.shipgate');
  const file = join(dir, GENERATED_ADMIN_TOKEN_FILE);
  ensurePrivateDir(dir);
  if (existsSync(file)) {
    ensurePrivateFile(file);
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 16) {
      report(`admin API token: ${file}`);
      return kept;
    }
  }
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, token + '\n', { mode: PRIVATE_FILE_MODE });
  ensurePrivateFile(file);
  report(`admin API token written to ${file} (send it as Authorization: Bearer …)`);
  return token;
}

function readTokenFile(cli: CliContext): string | undefined {
  const file = join(cli.io.env.SHIPGATE_DATA ?? join(cli.io.cwd, '.shipgate'), 'admin.token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
