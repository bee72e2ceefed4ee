import type { FastifyInstance } from 'fastify';
import type { Command } from 'commander';
import type { Migration } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { KindDefinition, KindRegistry } from './kinds';
import type { Clock } from './clock';
import type { EventBus } from './events';
import type { HookTypes } from './hooks';
import type { Db, Dialect } from '../store/db';
import type { AuditLog } from '../audit/audit-log';
import type { TokenStore } from '../auth/token-store';
import type { ResourceStore } from '../resources/resource-store';
import type { CliContext } from '../cli/context';

/** Settings of one `shipgate server` process. */
export interface ServerConfig {
  /** host:port the API listens on. */
  listen: string;
  /** Folder for SQLite, the admin token and other local state. */
  dataDir: string;
  /** postgres://… to use PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  /** HMAC key of the audit chain (default DATA/audit.key; SHIPGATE_AUDIT_KEY_FILE). Shared by every server on one database. */
  auditKeyFile: string;
  /** Ed25519 key that signs audit checkpoints (default DATA/audit-signing.key; SHIPGATE_AUDIT_SIGNING_KEY_FILE). */
  auditSigningKeyFile: string;
  /** host:port for the in-process router, if any. */
  router?: string;
  /** Extra settings capabilities read (e.g. test speed-ups), by capability name. */
  options: Record<string, unknown>;
}

/**
 * Services a capability offers to others, by name (e.g. `slo.gate`, `change.authorizer`), each
 * typed by its key in `M` (HookTypes, src/core/hooks.ts). A capability asks for another's service
 * with `ctx.services.get(name)` and copes with undefined, so capabilities can land in any order.
 */
export class ServiceRegistry<M extends object = HookTypes> {
  private readonly map = new Map<keyof M, unknown>();
  provide<K extends keyof M>(name: K, impl: M[K]): void {
    this.map.set(name, impl);
  }
  get<K extends keyof M>(name: K): M[K] | undefined {
    return this.map.get(name) as M[K] | undefined;
  }
  /** Withdraws a service (tests that stood in for a provider). */
  remove(name: keyof M): void {
    this.map.delete(name);
  }
}

/** Everything a capability's routes and executors get, passed in, never imported as singletons. */
export interface ServerContext {
  db: Db;
  dialect: Dialect;
  kinds: KindRegistry;
  resources: ResourceStore;
  audit: AuditLog;
  tokens: TokenStore;
  clock: Clock;
  events: EventBus;
  log: Logger;
  metrics: Registry;
  config: ServerConfig;
  services: ServiceRegistry;
  /** Base URL of this server's API once listening, e.g. http://127.0.0.1:7070. */
  baseUrl(): string;
  /**
   * The marker that stands for a secret value where non-admins read and in audit data
   * (`secret:hmac:…`, keyed by the server; src/resources/secrets.ts).
   */
  secretMarker: (value: unknown) => string;
}

/** A capability: a folder that brings kinds, tables, routes, CLI commands and background work. */
export interface Capability {
  name: string;
  kinds?: KindDefinition[];
  /** Migrations keyed `YYYYMMDDHHMM_<capability>_<what>`; never edited once merged. */
  migrations?: Record<string, Migration>;
  /** Registers routes (full paths, e.g. /api/v1/graph/spof) on an encapsulated Fastify instance. */
  routes?: (app: FastifyInstance, ctx: ServerContext) => Promise<void> | void;
  /** Called once the store is migrated: provide services, subscribe to events. */
  init?: (ctx: ServerContext) => Promise<void> | void;
  /** Starts background work after the server listens; returns how to stop it. */
  start?: (ctx: ServerContext) => Promise<(() => Promise<void>) | void> | (() => Promise<void>) | void;
  /** Adds CLI commands. */
  cli?: (program: Command, cli: CliContext) => void;
}
