/**
 * OpenFeature server provider for Shipgate. Evaluates locally with Shipgate's engine on a
 * configuration it receives from the server: first with a conditional GET (ETag), then by
 * server-sent events (resumed with Last-Event-ID). The last configuration is kept on disk so the
 * provider starts and keeps serving while the server is down.
 */
import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { FlagEngine, fromOpenFeatureContext, type EvaluationResult } from '../../../src/flags/flag-engine';
import type { FlagConfig, ValueType } from '../../../src/flags/flag-model';
import { changedFlagKeys } from './changed-flags';
import { readCachedConfig, writeCachedConfig, writeCachedConfigText } from './config-cache';
import { openEventStream } from './sse-client';

export interface ShipgateProviderOptions {
  /** Base URL of the Shipgate server, e.g. http://127.0.0.1:7070. */
  url: string;
  /** An sdk token (`shipgate token create --role sdk --env production`). */
  token: string;
  /** Environment, for tokens not bound to one. */
  environment?: string;
  /** File for the last-known configuration; none when unset. */
  cacheFile?: string;
  /** How long initialize waits for the server before falling back to the cache, ms. Default 5000. */
  initTimeoutMs?: number;
  /** First reconnect delay after the stream drops, ms (doubles up to maxReconnectMs). Default 500. */
  reconnectMs?: number;
  maxReconnectMs?: number;
  /** How often evaluation counts are sent, ms; 0 turns reporting off. Default 10000. */
  flushIntervalMs?: number;
  /** fetch for the configuration request and count reports (the event stream uses node:http). */
  fetchImpl?: typeof fetch;
}

type Phase = 'connecting' | 'live' | 'stale' | 'closed';

/** Status codes that retrying will not fix. */
const FATAL_STATUS = new Set([401, 403, 404]);

export class ShipgateProvider implements Provider {
  readonly metadata = { name: 'shipgate' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();

  /** Compiled on first use after a change, so receiving a configuration stays cheap. */
  private compiled: FlagEngine | undefined;
  private parsed: FlagConfig | undefined;
  private raw: string | undefined;
  private lastGood: FlagConfig | undefined;
  private etag: string | undefined;
  private phase: Phase = 'connecting';
  private abort = new AbortController();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly counts = new Map<string, number>();
  private readonly fetchImpl: typeof fetch;
  private firstConfig: (() => void) | undefined;
  /** initialize gave up; the SDK reported PROVIDER_ERROR, so the first configuration must announce READY. */
  private initFailed = false;

  constructor(private readonly opts: ShipgateProviderOptions) {
    this.fetchImpl = opts.fetchImpl ?? fetch;
  }

  /** The entity tag of the configuration in use (for tests and diagnostics). */
  get configEtag(): string | undefined {
    return this.etag;
  }

  /** `live` (streaming), `stale` (serving the last-known configuration), `connecting` or `closed`. */
  get state(): Phase {
    return this.phase;
  }

  async initialize(): Promise<void> {
    const cached = this.opts.cacheFile ? readCachedConfig(this.opts.cacheFile) : undefined;
    if (cached) this.use(cached.config, cached.etag, false);
    const gotConfig = new Promise<void>((resolve) => (this.firstConfig = resolve));
    void this.connect();
    if ((this.opts.flushIntervalMs ?? 10_000) > 0) {
      this.flushTimer = setInterval(() => void this.flush(), this.opts.flushIntervalMs ?? 10_000);
      this.flushTimer.unref();
    }
    const timeoutMs = this.opts.initTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const r = await Promise.race([gotConfig.then(() => 'ok' as const), timedOut]);
    clearTimeout(timer);
    if (r === 'ok' || this.hasConfig()) return;
    this.initFailed = true;
    throw new Error(`no flag configuration: ${this.opts.url} did not answer within ${timeoutMs} ms and there is no cached configuration`);
  }

  async onClose(): Promise<void> {
    this.phase = 'closed';
    this.abort.abort();
    clearTimeout(this.reconnectTimer);
    clearInterval(this.flushTimer);
    await this.flush();
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.opts.token}` };
  }

  private endpoint(path: string): string {
    const u = new URL(path, this.opts.url);
    if (this.opts.environment) u.searchParams.set('env', this.opts.environment);
    return u.toString();
  }

  /** Connects once: conditional GET, then the stream until it ends; then schedules a reconnect. */
  private async connect(): Promise<void> {
    if (this.phase === 'closed') return;
    try {
      const headers = this.headers();
      const res = await this.fetchImpl(this.endpoint('/api/v1/sdk/flags'), {
        headers: { ...headers, ...(this.etag ? { 'if-none-match': this.etag } : {}) },
        signal: this.abort.signal,
      });
      if (res.status === 200) {
        const config = (await res.json()) as FlagConfig;
        this.use(config, res.headers.get('etag') ?? '', true);
      } else if (res.status !== 304) {
        await res.body?.cancel().catch(() => {});
        return this.failed(`configuration request answered ${res.status}`, FATAL_STATUS.has(res.status));
      } else {
        await res.body?.cancel().catch(() => {});
      }
      this.live();
      const conn = await openEventStream(this.endpoint('/api/v1/sdk/flags/stream'), {
        headers: { ...headers, ...(this.etag ? { 'last-event-id': this.etag } : {}) },
        signal: this.abort.signal,
        onEvent: (e) => {
          if (e.event !== 'config') return;
          let flagsChanged: string[] | undefined;
          try {
            flagsChanged = e.changed !== undefined ? (JSON.parse(e.changed) as string[]) : undefined;
          } catch {
            flagsChanged = undefined;
          }
          this.use(e.data, e.id ?? '', true, Array.isArray(flagsChanged) ? flagsChanged : undefined);
        },
      });
      if (conn.status !== 200) return this.failed(`event stream answered ${conn.status}`, FATAL_STATUS.has(conn.status));
      this.failures = 0;
      await conn.done;
      if (!this.isClosed()) this.failed('event stream ended', false);
    } catch (e) {
      if (!this.isClosed()) this.failed(`cannot reach ${this.opts.url}: ${(e as Error).message}`, false);
    }
  }

  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  private live(): void {
    if (this.phase === 'stale') this.events.emit(ProviderEvents.Ready, { message: 'reconnected' });
    this.phase = 'live';
    this.firstConfig?.();
    this.firstConfig = undefined;
  }

  private failed(message: string, fatal: boolean): void {
    if (this.phase === 'closed') return;
    const pendingInit = this.firstConfig;
    if (pendingInit && this.hasConfig()) {
      // Start from the last-known configuration at once; say it is stale once the SDK marked us ready.
      this.firstConfig = undefined;
      pendingInit();
      const t = setTimeout(() => this.phase === 'stale' && this.events.emit(ProviderEvents.Stale, { message }), 0);
      t.unref();
    } else if (fatal) {
      this.events.emit(ProviderEvents.Error, { message, errorCode: ErrorCode.GENERAL });
    } else if (this.phase !== 'stale' && this.hasConfig()) {
      this.events.emit(ProviderEvents.Stale, { message });
    }
    if (this.hasConfig()) this.phase = 'stale';
    const base = this.opts.reconnectMs ?? 500;
    const delay = Math.min(this.opts.maxReconnectMs ?? 30_000, base * 2 ** Math.min(this.failures, 10));
    this.failures++;
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }

  /**
   * Adopts a configuration: parsed, or as received (JSON text, parsed on first use so taking a
   * change on many streams stays cheap). `flagsChanged` comes from the server when it knows which
   * configuration this one replaces; otherwise the provider diffs.
   */
  private use(config: FlagConfig | string, etag: string, fromServer: boolean, flagsChanged?: string[]): void {
    if (fromServer && etag && etag === this.etag && this.hasConfig()) return;
    const before = flagsChanged === undefined && this.hasConfig() ? this.config : undefined;
    const hadConfig = this.hasConfig();
    this.compiled = undefined;
    if (typeof config === 'string') {
      this.raw = config;
      this.parsed = undefined;
    } else {
      this.raw = undefined;
      this.parsed = config;
      this.lastGood = config;
    }
    this.etag = etag;
    if (fromServer) {
      if (this.opts.cacheFile) {
        try {
          if (typeof config === 'string') writeCachedConfigText(this.opts.cacheFile, etag, config, Date.now());
          else writeCachedConfig(this.opts.cacheFile, { etag, config, savedAtMs: Date.now() });
        } catch (e) {
          this.events.emit(ProviderEvents.Error, { message: `cannot write ${this.opts.cacheFile}: ${(e as Error).message}` });
        }
      }
      if (hadConfig) {
        const changed = flagsChanged ?? (before ? changedFlagKeys(before, this.config!) : []);
        if (changed.length > 0) this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: changed });
      }
      this.firstConfig?.();
      this.firstConfig = undefined;
      if (this.initFailed) {
        this.initFailed = false;
        this.events.emit(ProviderEvents.Ready, { message: 'configuration received' });
      }
    }
  }

  private hasConfig(): boolean {
    return this.raw !== undefined || this.parsed !== undefined;
  }

  /** The configuration in use, parsed on demand; an unreadable one leaves the last good one in place. */
  private get config(): FlagConfig | undefined {
    if (this.raw !== undefined) {
      const text = this.raw;
      this.raw = undefined;
      try {
        this.parsed = JSON.parse(text) as FlagConfig;
        this.lastGood = this.parsed;
      } catch (e) {
        this.parsed = this.lastGood;
        this.events.emit(ProviderEvents.Error, { message: `unreadable configuration: ${(e as Error).message}`, errorCode: ErrorCode.PARSE_ERROR });
      }
    }
    return this.parsed;
  }

  /** The engine for the current configuration; undefined before the first one. */
  private get engine(): FlagEngine | undefined {
    if (!this.compiled && this.config) this.compiled = new FlagEngine(this.config);
    return this.compiled;
  }

  private resolve<T>(key: string, defaultValue: T, context: EvaluationContext, type: ValueType): ResolutionDetails<T> {
    if (!this.engine) return { value: defaultValue, reason: 'ERROR', errorCode: ErrorCode.PROVIDER_NOT_READY, errorMessage: 'no flag configuration yet' };
    const r: EvaluationResult = this.engine!.evaluate(key, fromOpenFeatureContext(context as Record<string, unknown>), type);
    if (r.errorCode) {
      return { value: defaultValue, reason: 'ERROR', errorCode: r.errorCode as ErrorCode, errorMessage: r.errorMessage };
    }
    if (r.variant) this.count(key, r.variant);
    const value = r.value === null || r.value === undefined ? defaultValue : (r.value as T);
    return { value, variant: r.variant, reason: r.reason, flagMetadata: { environment: this.config!.environment } };
  }

  private count(key: string, variant: string): void {
    const k = `${key}\u0000${variant}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  /** Sends evaluation counts gathered since the last flush (kept for the next try on failure). */
  async flush(): Promise<void> {
    if (this.counts.size === 0) return;
    const batch = [...this.counts.entries()].map(([k, count]) => {
      const [flag, variant] = k.split('\u0000');
      return { flag, variant, count };
    });
    this.counts.clear();
    try {
      const res = await this.fetchImpl(this.endpoint('/api/v1/sdk/evaluations'), {
        method: 'POST',
        headers: { ...this.headers(), 'content-type': 'application/json' },
        body: JSON.stringify({ ...(this.opts.environment ? { environment: this.opts.environment } : {}), counts: batch }),
      });
      await res.body?.cancel().catch(() => {});
      if (!res.ok && res.status >= 500) throw new Error(String(res.status));
    } catch {
      for (const b of batch) this.counts.set(`${b.flag}\u0000${b.variant}`, (this.counts.get(`${b.flag}\u0000${b.variant}`) ?? 0) + b.count);
    }
  }

  async resolveBooleanEvaluation(key: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return this.resolve(key, defaultValue, context, 'boolean');
  }

  async resolveStringEvaluation(key: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return this.resolve(key, defaultValue, context, 'string');
  }

  async resolveNumberEvaluation(key: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return this.resolve(key, defaultValue, context, 'number');
  }

  async resolveObjectEvaluation<T extends JsonValue>(key: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return this.resolve(key, defaultValue, context, 'object');
  }
}
