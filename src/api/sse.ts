import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { RateLimitedError } from '../core/errors';

/**
 * Server-sent event streams with backpressure and bounds, shared by the flag SDK stream and the
 * router watch stream.
 *
 * - A write that the socket does not take at once (`write()` returned false) stops further writes:
 *   messages queue until 'drain'. A client whose unsent bytes (queued plus what the socket holds)
 *   would pass `maxBufferBytes` while it has not drained, or that does not drain within
 *   `drainTimeoutMs`, is dropped: its socket is
 *   destroyed, the drop logged and counted (`shipgate_sse_dropped_total{stream,reason}`).
 * - At most `maxStreamsPerToken` streams are open per token (per client address without one);
 *   the next is refused with 429 RATE_LIMITED naming the limit. A slot is freed when its stream
 *   closes, whichever side closes it.
 */
export interface SseLimits {
  /** Open streams per token, over every stream route. */
  maxStreamsPerToken: number;
  /** Unsent bytes per stream before the client is dropped. */
  maxBufferBytes: number;
  /** How long a stream may wait for 'drain' before the client is dropped, ms. */
  drainTimeoutMs: number;
}

export const DEFAULT_SSE_LIMITS: SseLimits = { maxStreamsPerToken: 8, maxBufferBytes: 1024 * 1024, drainTimeoutMs: 10_000 };

/** What the server needs to know of its context: options (`options.sse`), a logger and metrics, all optional in tests. */
interface SseContext {
  config?: { options?: Record<string, unknown> };
  log?: { warn(obj: unknown, msg?: string): void };
  metrics?: Registry;
}

function positive(v: unknown, fallback: number): number {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** The limits of `options.sse` in the server configuration, defaults for what is not set. */
export function sseLimits(options: Record<string, unknown> | undefined): SseLimits {
  const o = (options?.sse ?? {}) as Partial<Record<keyof SseLimits, unknown>>;
  return {
    maxStreamsPerToken: Math.floor(positive(o.maxStreamsPerToken, DEFAULT_SSE_LIMITS.maxStreamsPerToken)),
    maxBufferBytes: positive(o.maxBufferBytes, DEFAULT_SSE_LIMITS.maxBufferBytes),
    drainTimeoutMs: positive(o.drainTimeoutMs, DEFAULT_SSE_LIMITS.drainTimeoutMs),
  };
}

export type DropReason = 'buffer' | 'drain-timeout';

/** One open stream: write messages, close. Writes after close (or a drop) are ignored. */
export class SseStream {
  private queue: string[] = [];
  private queuedBytes = 0;
  private waiting = false;
  private drainTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly raw: ServerResponse,
    private readonly limits: SseLimits,
    private readonly onDrop: (reason: DropReason, unsentBytes: number) => void,
  ) {
    raw.on('drain', this.flush);
    raw.on('close', () => {
      this.closed = true;
      this.queue = [];
      this.queuedBytes = 0;
      clearTimeout(this.drainTimer);
    });
  }

  /** Whether the socket is waiting to drain (a heartbeat then adds nothing). */
  get backedUp(): boolean {
    return this.waiting;
  }

  /** Bytes accepted but not yet handed to the kernel. */
  unsentBytes(): number {
    return this.queuedBytes + this.raw.writableLength;
  }

  /**
   * Sends `chunk`, or queues it while the socket drains. A socket that has drained always takes
   * the next message, however large (a configuration may be larger than the bound); the bound
   * counts what piles up behind it.
   */
  write(chunk: string): void {
    if (this.closed) return;
    const bytes = Buffer.byteLength(chunk);
    if (this.waiting) {
      if (this.unsentBytes() + bytes > this.limits.maxBufferBytes) return this.drop('buffer', bytes);
      this.queue.push(chunk);
      this.queuedBytes += bytes;
      return;
    }
    if (!this.raw.write(chunk)) this.wait();
  }

  /** Ends the response (the client may reconnect). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.drainTimer);
    this.raw.end();
  }

  private wait(): void {
    this.waiting = true;
    clearTimeout(this.drainTimer);
    this.drainTimer = setTimeout(() => this.drop('drain-timeout', 0), this.limits.drainTimeoutMs);
    this.drainTimer.unref();
  }

  private readonly flush = (): void => {
    if (this.closed) return;
    clearTimeout(this.drainTimer);
    this.waiting = false;
    while (this.queue.length) {
      const chunk = this.queue.shift()!;
      this.queuedBytes -= Buffer.byteLength(chunk);
      if (!this.raw.write(chunk)) return this.wait();
    }
  };

  private drop(reason: DropReason, extra: number): void {
    if (this.closed) return;
    const unsent = this.unsentBytes() + extra;
    this.closed = true;
    clearTimeout(this.drainTimer);
    this.queue = [];
    this.queuedBytes = 0;
    this.onDrop(reason, unsent);
    // Destroying the socket fires 'close', which frees the slot and unsubscribes.
    this.raw.destroy();
  }
}

/** The stream slots of one server, per token. */
export class SseStreams {
  private readonly open = new Map<string, number>();
  private readonly dropped?: Counter<'stream' | 'reason'>;
  readonly limits: SseLimits;

  constructor(private readonly ctx: SseContext) {
    this.limits = sseLimits(ctx.config?.options);
    if (ctx.metrics) {
      const existing = ctx.metrics.getSingleMetric('shipgate_sse_dropped_total') as Counter<'stream' | 'reason'> | undefined;
      this.dropped =
        existing ??
        new Counter({
          name: 'shipgate_sse_dropped_total',
          help: 'Event-stream clients dropped for not reading (unsent buffer over the bound, or no drain in time)',
          labelNames: ['stream', 'reason'],
          registers: [ctx.metrics],
        });
    }
  }

  /** Open streams of one key (a token id, or `addr:` and the client address). */
  count(key: string): number {
    return this.open.get(key) ?? 0;
  }

  /** The key streams of a request count against: its token, else its address. */
  static keyOf(req: FastifyRequest): string {
    return req.principal?.tokenId ? `token:${req.principal.tokenId}` : `addr:${req.ip}`;
  }

  /**
   * Takes a slot for a stream of `req`, or throws RateLimitedError (429) when its token has
   * `maxStreamsPerToken` open. Returns the release function (idempotent).
   */
  acquire(req: FastifyRequest): () => void {
    const key = SseStreams.keyOf(req);
    const n = this.count(key);
    const max = this.limits.maxStreamsPerToken;
    if (n >= max) {
      throw new RateLimitedError(`at most ${max} event streams may be open per token (options.sse.maxStreamsPerToken); close one, or use another token`, 1);
    }
    this.open.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.count(key) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }

  /** Wraps a hijacked response whose headers are written: writes with backpressure and the bounds. */
  stream(raw: ServerResponse, name: string, req: FastifyRequest): SseStream {
    return new SseStream(raw, this.limits, (reason, unsentBytes) => {
      this.dropped?.inc({ stream: name, reason });
      this.ctx.log?.warn(
        { stream: name, reason, unsentBytes, client: req.ip, token: req.principal?.tokenId },
        'event-stream client dropped: it does not read what is sent',
      );
    });
  }
}

const perServer = new WeakMap<object, SseStreams>();

/** The one SseStreams of a server context (slots are counted over every stream route). */
export function sseStreams(ctx: SseContext): SseStreams {
  let s = perServer.get(ctx);
  if (!s) perServer.set(ctx, (s = new SseStreams(ctx)));
  return s;
}
