import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { startServer, type RunningServer, type StartOptions } from '../server';
import { main } from '../cli/main';
import { transaction } from '../store/db';
import type { Role } from '../auth/roles';
import { createPgDatabase, type StoreKind } from './postgres';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Token to use; default the admin token. */
  token?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export interface TestServer {
  url: string;
  server: RunningServer;
  adminToken: string;
  dataDir: string;
  store: StoreKind;
  /** Runs `shipgate ARGS` in-process against this server (same code path as the binary). */
  cli(args: string[], opts?: CliOptions): Promise<CliResult>;
  /** Creates a token for a role (and user, created when missing) directly in the store. */
  token(role: Role, user?: string, environment?: string): Promise<string>;
  /** fetch() against the API with a token (default admin). */
  fetch(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

/** Starts a real server on 127.0.0.1 (a free port) with a fresh SQLite folder or PostgreSQL database. */
export async function startTestServer(opts: { store?: StoreKind } & Omit<StartOptions, 'listen' | 'dataDir' | 'databaseUrl'> = {}): Promise<TestServer> {
  const store = opts.store ?? 'sqlite';
  const dataDir = mkdtempSync(join(tmpdir(), 'shipgate-test-'));
  const pgdb = store === 'postgres' ? await createPgDatabase() : undefined;
  let server: RunningServer;
  try {
    // Tests run every receiver, backend and Prometheus on loopback: allowed here unless a test
    // passes its own `egress` option (the egress tests do, to prove the refusals).
    server = await startServer({
      ...opts,
      options: { egress: { allowLoopback: true }, ...opts.options },
      listen: '127.0.0.1:0',
      dataDir,
      databaseUrl: pgdb?.url ?? `sqlite:${join(dataDir, 'shipgate.db')}`,
      logLevel: opts.logLevel ?? 'silent',
    });
  } catch (e) {
    await pgdb?.drop();
    throw e;
  }
  const adminToken = server.adminToken!;
  const t: TestServer = {
    url: server.url,
    server,
    adminToken,
    dataDir,
    store,
    async cli(args, o = {}) {
      let stdout = '';
      let stderr = '';
      const code = await main(args, {
        stdout: (s) => void (stdout += s),
        stderr: (s) => void (stderr += s),
        env: { SHIPGATE_SERVER: server.url, SHIPGATE_TOKEN: o.token ?? adminToken, ...o.env },
        cwd: o.cwd ?? process.cwd(),
        isTTY: false,
      });
      return { code, stdout, stderr };
    },
    async token(role, user, environment) {
      const nowMs = server.ctx.clock.now();
      const users = server.ctx.tokens.users;
      if (user !== undefined && !(await users.find(user))) {
        // Parallel calls may race to create one user: the loser finds the winner's.
        await transaction(server.ctx.db, (trx) => users.create(trx, { name: user, createdBy: 'test', nowMs })).catch(async (e: unknown) => {
          if (!(await users.find(user))) throw e;
        });
      }
      const r = await transaction(server.ctx.db, (trx) => server.ctx.tokens.create(trx, { role, user, environment, createdBy: 'test', nowMs }));
      return r.token;
    },
    fetch(path, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      const tok = token === undefined ? adminToken : token;
      if (tok) headers.set('authorization', `Bearer ${tok}`);
      if (rest.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(new URL(path, server.url), { ...rest, headers });
    },
    async close() {
      await server.close();
      await pgdb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** Runs the real `bin/shipgate.js` in a child process (for the few tests that need a real process). */
export function runCliProcess(args: string[], env: Record<string, string | undefined> = {}, cwd = REPO_ROOT): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'shipgate.js'), ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}
