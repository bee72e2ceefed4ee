/**
 * Sends due outbox messages after commit: woken by callers once their transaction commits and by a
 * timer, a bounded number at a time, each with its own deadline, retried with exponential back-off
 * and jitter until `maxAttempts`, after which the message is dead (audited and counted). No
 * transaction is open while a request is in flight: claim, send, then record in a short one.
 */
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log';
import { transaction, type Db } from '../store/db';
import { EgressDeniedError, urlHost, type EgressPolicy } from '../egress/egress-policy';
import { egressRequest } from '../egress/egress-request';
import { retryDelayMs } from './retry-delay';
import type { OutboxRow, OutboxStore } from './outbox-store';

/** Settings under `options.outbox` of the server. */
export interface OutboxSenderOptions {
  /** Per delivery attempt (connect, answer, body), ms. Default 5,000. */
  timeoutMs?: number;
  /** Attempts before a message is dead. Default 8. */
  maxAttempts?: number;
  /** First retry delay, ms (doubled per failure, with jitter). Default 1,000. */
  baseDelayMs?: number;
  /** Longest retry delay, ms. Default 300,000. */
  maxDelayMs?: number;
  /** How often to look for due messages without a wake-up, ms. Default 1,000. */
  pollMs?: number;
  /** Deliveries in flight at once. Default 4. */
  concurrency?: number;
}

/** What the sender reports, for metrics. */
export interface OutboxCounters {
  delivered(kind: string, outcome: 'sent' | 'failed' | 'dead'): void;
}

export class OutboxSender {
  private readonly o: Required<OutboxSenderOptions>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  private readonly inFlight = new Set<AbortController>();

  constructor(
    private readonly db: Db,
    private readonly store: OutboxStore,
    private readonly policy: EgressPolicy,
    private readonly audit: AuditLog,
    private readonly counters: OutboxCounters,
    private readonly log: Pick<Logger, 'warn' | 'info'>,
    options: OutboxSenderOptions = {},
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.o = { timeoutMs: 5_000, maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 300_000, pollMs: 1_000, concurrency: 4, ...options };
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.o.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for due messages now (coalesced: one pass at a time, one more if woken meanwhile). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((e) => this.log.warn({ err: e }, 'outbox pass failed; the next poll retries'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Stops polling, aborts requests in flight (their attempt is retried after the lease) and waits for the pass to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const c of this.inFlight) c.abort();
    await this.running;
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const rows = await this.store.due(this.now(), this.o.concurrency * 4);
      if (rows.length === 0) return;
      let next = 0;
      const worker = async () => {
        while (!this.stopped && next < rows.length) await this.attempt(rows[next++]);
      };
      await Promise.all(Array.from({ length: Math.min(this.o.concurrency, rows.length) }, worker));
    }
  }

  private async attempt(r: OutboxRow): Promise<void> {
    const start = this.now();
    // The lease outlasts the request, so no other sender takes this attempt while it runs.
    if (!(await this.store.claim(r, start, start + this.o.timeoutMs * 2 + 1_000))) return;
    const attempt = r.attempts + 1;
    const ac = new AbortController();
    this.inFlight.add(ac);
    let status: number | null = null;
    let error: string | null = null;
    let permanent = false;
    try {
      const res = await egressRequest(this.policy, 'webhook', r.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'shipgate-outbox', 'x-shipgate-outbox-id': r.id },
        body: JSON.stringify(r.payload),
        timeoutMs: this.o.timeoutMs,
        maxBytes: 64 * 1024,
        signal: ac.signal,
      });
      status = res.status;
      if (res.status < 200 || res.status >= 300) error = `${urlHost(r.url)} answered HTTP ${res.status}`;
    } catch (e) {
      error = (e as Error).message;
      // The policy will refuse the same URL next time too: do not retry it.
      permanent = e instanceof EgressDeniedError;
    } finally {
      this.inFlight.delete(ac);
    }
    if (this.stopped && error) return; // aborted by shutdown: the lease runs out and another pass retries
    const now = this.now();
    if (!error) {
      await transaction(this.db, (trx) => this.store.record(trx, r.id, attempt, { status: 'sent', sentMs: now, lastStatus: status }));
      this.counters.delivered(r.kind, 'sent');
      return;
    }
    if (permanent || attempt >= this.o.maxAttempts) {
      await transaction(this.db, async (trx) => {
        if (!(await this.store.record(trx, r.id, attempt, { status: 'dead', lastStatus: status, lastError: error }))) return;
        await this.audit.append(trx, {
          actor: 'shipgate',
          action: 'outbox.dead',
          kind: 'OutboxMessage',
          name: r.id,
          after: { kind: r.kind, host: urlHost(r.url), attempts: attempt, lastError: error },
          details: { reason: permanent ? 'refused by the egress policy' : `no success after ${attempt} attempts` },
        });
      });
      this.counters.delivered(r.kind, 'dead');
      this.log.warn({ id: r.id, kind: r.kind, host: urlHost(r.url), attempts: attempt, error }, 'outbox message dead: not delivered');
      return;
    }
    // Not cockatiel's retry: the back-off is a schedule in the outbox table (next_attempt_ms), so it survives restarts and any replica sends.
    const delay = retryDelayMs(attempt, this.o.baseDelayMs, this.o.maxDelayMs, this.random());
    await transaction(this.db, (trx) =>
      this.store.record(trx, r.id, attempt, { status: 'pending', nextAttemptMs: now + delay, lastStatus: status, lastError: error }),
    );
    this.counters.delivered(r.kind, 'failed');
  }
}
