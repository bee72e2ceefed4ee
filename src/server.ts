import { writeFileSync, chmodSync } from 'node:fs';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './core/private-files';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { ServiceRegistry, type Capability, type ServerConfig, type ServerContext } from './core/capability';
import { systemClock, type Clock } from './core/clock';
import { EventBus } from './core/events';
import { openDatabase } from './store/db';
import { migrateToLatest } from './store/migrate';
import { AuditLog } from './audit/audit-log';
import { loadOrCreateMacKey, loadOrCreateSigningKey } from './audit/audit-keys';
import { AUDIT_CHECKPOINTS, AuditCheckpoints, type CheckpointOptions } from './audit/checkpoints';
import { TokenStore } from './auth/token-store';
import type { AuthGuardOptions } from './auth/auth-guard';
import { markerKeyFrom, redactByKind, secretMarkerWith } from './resources/secrets';
import { ResourceStore } from './resources/resource-store';
import { buildApp } from './api/app';
import { transaction } from './store/db';
import { capabilities as allCapabilities } from './capabilities';
import { assemble } from './core/assemble';

export { assemble };

export interface StartOptions {
  listen?: string;
  dataDir?: string;
  databaseUrl?: string;
  /** The audit chain's HMAC key file (default DATA/audit.key, or SHIPGATE_AUDIT_KEY_FILE). */
  auditKeyFile?: string;
  /** The audit checkpoints' Ed25519 signing key file (default DATA/audit-signing.key, or SHIPGATE_AUDIT_SIGNING_KEY_FILE). */
  auditSigningKeyFile?: string;
  router?: string;
  clock?: Clock;
  /** Log level (pino); `silent` in tests. */
  logLevel?: string;
  options?: Record<string, unknown>;
  capabilities?: Capability[];
}

/** `options.audit` of the server. */
export interface AuditServerOptions extends CheckpointOptions {
  /**
   * Bench only: chain with plain SHA-256 (no key, no checkpoints) and SQLite synchronous=NORMAL,
   * as before the keyed chain, so bench/audit can measure what the keyed chain and FULL cost.
   */
  benchPlainSha256?: boolean;
}

export interface RunningServer {
  ctx: ServerContext;
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:7070 */
  url: string;
  /** Where the bootstrap admin token was written, if this start created it. */
  adminTokenFile?: string;
  adminToken?: string;
  close(): Promise<void>;
}

function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = i > 0 ? listen.slice(0, i) : '127.0.0.1';
  const port = Number(i >= 0 ? listen.slice(i + 1) : listen);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid listen address "${listen}": expected HOST:PORT`);
  return { host: host.replace(/^\[|\]$/g, ''), port };
}

/** Starts a Shipgate server: store, migrations, API, capabilities' background work. */
export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const dataDir = resolve(opts.dataDir ?? process.env.SHIPGATE_DATA ?? '.shipgate');
  const config: ServerConfig = {
    listen: opts.listen ?? process.env.SHIPGATE_LISTEN ?? '127.0.0.1:7070',
    dataDir,
    databaseUrl: opts.databaseUrl ?? process.env.DATABASE_URL,
    auditKeyFile: resolve(opts.auditKeyFile ?? (process.env.SHIPGATE_AUDIT_KEY_FILE || join(dataDir, 'audit.key'))),
    auditSigningKeyFile: resolve(opts.auditSigningKeyFile ?? (process.env.SHIPGATE_AUDIT_SIGNING_KEY_FILE || join(dataDir, 'audit-signing.key'))),
    router: opts.router,
    options: opts.options ?? {},
  };
  const capabilities = opts.capabilities ?? allCapabilities;
  const log: Logger = pino({ level: opts.logLevel ?? process.env.SHIPGATE_LOG_LEVEL ?? 'info' });
  const clock = opts.clock ?? systemClock;
  // The data folder holds the token, the SQLite store, instance logs: the server's user only.
  ensurePrivateDir(config.dataDir);
  const auditOptions = (config.options.audit ?? {}) as AuditServerOptions;
  // Read (or created 0600) before the store opens: a server that cannot key its audit chain does not start.
  const macKey = auditOptions.benchPlainSha256 ? undefined : loadOrCreateMacKey(config.auditKeyFile);
  const signingKey = loadOrCreateSigningKey(config.auditSigningKeyFile);
  const {
    db,
    dialect,
    close: closeDb,
  } = openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteSynchronous: auditOptions.benchPlainSha256 ? 'NORMAL' : 'FULL',
    onConnectionLost: (e) => log.warn({ err: e }, 'a PostgreSQL connection was lost; new queries open a new one'),
  });
  const { kinds, migrations } = assemble(capabilities);
  const audit = new AuditLog(() => clock.now(), macKey);
  try {
    await migrateToLatest(db, migrations);
    await audit.ensureKeyedChain(db);
  } catch (e) {
    await closeDb();
    throw e;
  }
  const checkpoints = new AuditCheckpoints(db, audit, signingKey, config.dataDir, log, auditOptions, () => clock.now());
  let url = '';
  const secretMarker = secretMarkerWith(markerKeyFrom(macKey?.key));
  const ctx: ServerContext = {
    db,
    dialect,
    kinds,
    audit,
    resources: new ResourceStore(
      db,
      audit,
      () => clock.now(),
      (m) => redactByKind(kinds, m, secretMarker),
    ),
    secretMarker,
    tokens: new TokenStore(db, { guard: config.options.auth as AuthGuardOptions | undefined }),
    clock,
    events: new EventBus((e, topic) => log.error({ err: e, topic }, 'event listener failed')),
    log,
    metrics: new Registry(),
    config,
    services: new ServiceRegistry(),
    baseUrl: () => url,
  };
  ctx.services.provide(AUDIT_CHECKPOINTS, checkpoints);
  for (const c of capabilities) await c.init?.(ctx);

  let adminToken: string | undefined;
  let adminTokenFile: string | undefined;
  if ((await ctx.tokens.count()) === 0) {
    const created = await transaction(db, async (trx) => {
      // The first admin token belongs to the user `admin`, created here unless a store migrated
      // from free-text tokens already has one.
      if (!(await ctx.tokens.users.find('admin', trx))) {
        const u = await ctx.tokens.users.create(trx, { name: 'admin', displayName: 'bootstrap administrator', createdBy: 'shipgate', nowMs: clock.now() });
        await audit.append(trx, { actor: 'shipgate', action: 'user.create', kind: 'User', name: u.name, after: u });
      }
      const r = await ctx.tokens.create(trx, { role: 'admin', user: 'admin', description: 'bootstrap admin token', createdBy: 'shipgate', nowMs: clock.now() });
      await audit.append(trx, { actor: 'shipgate', action: 'token.create', kind: 'Token', name: r.info.id, after: r.info });
      return r;
    });
    adminToken = created.token;
    adminTokenFile = join(config.dataDir, 'admin.token');
    writeFileSync(adminTokenFile, adminToken + '\n', { mode: PRIVATE_FILE_MODE });
    chmodSync(adminTokenFile, PRIVATE_FILE_MODE);
  }

  const app = await buildApp(ctx, capabilities, { logger: (opts.logLevel ?? process.env.SHIPGATE_LOG_LEVEL) !== 'silent' });
  const { host, port } = splitListen(config.listen);
  await app.listen({ host, port });
  const addr = app.server.address();
  const boundPort = typeof addr === 'object' && addr ? addr.port : port;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;

  const stops: (() => Promise<void>)[] = [];
  // Stopped last (stops run in reverse): its final checkpoint covers what the others wrote on the way out.
  if (!auditOptions.benchPlainSha256) {
    checkpoints.start();
    stops.push(() => checkpoints.stop());
  }
  try {
    for (const c of capabilities) {
      const stop = await c.start?.(ctx);
      if (stop) stops.push(stop);
    }
  } catch (e) {
    // A capability that cannot start (a router port taken) must not leave the others running:
    // the process would neither serve nor exit.
    for (const stop of stops.reverse()) await stop().catch((err) => log.error({ err }, 'stopping after a failed start'));
    await app.close();
    await closeDb();
    throw e;
  }
  let closed = false;
  return {
    ctx,
    app,
    url,
    adminToken,
    adminTokenFile,
    async close() {
      if (closed) return;
      closed = true;
      for (const s of stops.reverse()) {
        try {
          await s();
        } catch (e) {
          log.error({ err: e }, 'stopping a capability failed');
        }
      }
      await app.close();
      await closeDb();
    },
  };
}
