import type { CodeClass } from '../../metrics/types';
import { hitsPercent } from '../buckets';
import type { CompiledRoute, CompiledVersion } from '../compiled-table';
import { droppedStatus, isSheddable, PRIORITY_HEADER } from '../concurrency-limiter';
import { classOf, hostOf, isConnectFailure } from '../proxy-handler';
import { refuse, type Refusal } from '../refusals';
import { activeFault } from '../route-table';
import type { Upstream } from '../upstream-pool';
import { chooseVersion } from '../version-choice';
import type { ClientConnection } from './client-connection';
import type { Expiring } from './deadlines';
import { field, upstreamRequestHead, type RequestHead } from './request-head';
import { mirror } from './mirror';
import { clientResponseHead, type ResponseHead } from './response-head';
import type { ResponseSink, UpstreamConnection } from './upstream-connection';

/** Request body bytes held while no upstream connection is attached; beyond this the client pauses. */
const MAX_HELD_BODY = 256 * 1024;

function timeoutError(code: string, message: string): NodeJS.ErrnoException {
  const e = new Error(message) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/** Head and first body bytes in one buffer, so small responses leave in one write. */
function joined(head: string, body: Buffer): Buffer {
  const b = Buffer.allocUnsafe(head.length + body.length);
  b.write(head, 0, 'latin1');
  body.copy(b, head.length);
  return b;
}

/**
 * One request on the fast path, the same steps as the node:http handler: match a route, protect it
 * (rate, concurrency), choose the version, inject faults, mirror, forward with retries on connect
 * failure, pass the response through with `x-shipgate-version`, count the outcome.
 */
export class Exchange implements ResponseSink, Expiring {
  /** Request body bytes not yet received from the client. */
  bodyRemaining: number;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private readonly t0 = performance.now();
  private route?: CompiledRoute;
  private version?: CompiledVersion;
  private cookies?: string[];
  private cls?: CodeClass;
  private status = 0;
  private attempts = 0;
  private retryable = false;
  private upHead = '';
  private up?: Upstream;
  private upSettled = true;
  private upConn?: UpstreamConnection;
  /** The current attempt went out on a kept-alive connection that had served requests before. */
  private reusedConn = false;
  private waitingClient = false;
  private waitingUpstream = false;
  private cancelWait?: () => void;
  /** The nearer of the two deadlines below, for the sweep. */
  deadline = Infinity;
  dlPrev?: Expiring = undefined;
  dlNext?: Expiring = undefined;
  /** Whole request (performance.now() ms). */
  private requestDeadline = Infinity;
  /** Upstream response head of the current attempt. */
  private headersDeadline = Infinity;
  private headSent = false;
  private closeAfter: boolean;
  private finished = false;
  private releaseSlot?: (gone: boolean) => void;

  constructor(
    private readonly conn: ClientConnection,
    private readonly req: RequestHead,
  ) {
    this.bodyRemaining = req.contentLength;
    this.closeAfter = req.close;
  }

  start(): void {
    const env = this.conn.env;
    const req = this.req;
    const host = hostOf(field(req, 'host'));
    const route = env.table().match(host, req.target);
    if (!route) return this.refuse(refuse.noRoute(host, req.target));
    this.route = route;
    const g = route.guards;
    if (g.rate && !g.rate.tryTake(Date.now())) {
      env.onShed(route.name);
      return this.refuse(refuse.rateLimited(route.name, g.rate.waitMs(Date.now())));
    }
    const limiter = g.concurrency;
    if (!limiter) return this.choose(route);
    const admission = limiter.acquire(
      (inflight) => {
        if (this.finished) return limiter.release();
        const admittedAt = performance.now();
        // The sample for an adaptive limit: admission to the end of the response; none when the client left.
        this.releaseSlot = (gone) =>
          limiter.release(
            gone ? undefined : { rttMs: performance.now() - admittedAt, inflight, dropped: this.cls === 'timeout' || droppedStatus(this.status) },
          );
        this.choose(route);
      },
      () => {
        env.onShed(route.name);
        this.refuse(refuse.queueTimeout(route.name));
      },
      isSheddable(route.spec.priority, field(req, PRIORITY_HEADER)),
    );
    if (admission === 'full' || admission === 'shed') {
      env.onShed(route.name);
      this.refuse(admission === 'shed' ? refuse.shed(route.name) : refuse.queueFull(route.name));
    }
  }

  /** Takes this request's body bytes from the front of `buf`; returns the rest (the next request). */
  takeBody(buf: Buffer): Buffer {
    const n = Math.min(this.bodyRemaining, buf.length);
    if (n === 0) return buf;
    const part = buf.subarray(0, n);
    this.bodyRemaining -= n;
    const c = this.upConn;
    if (c) {
      if (!c.write(part)) this.waitUpstreamDrain(c);
    } else if (!this.finished) {
      this.held.push(part);
      this.heldBytes += n;
      if (this.heldBytes > MAX_HELD_BODY) this.conn.socket.pause();
    }
    return buf.subarray(n);
  }

  private choose(route: CompiledRoute): void {
    const req = this.req;
    const choice = chooseVersion(route, (name) => field(req, name));
    const v = choice.version;
    this.version = v;
    this.cookies = choice.cookies;
    const fault = v.fault && activeFault(v.fault, Date.now());
    if (fault?.reset && hitsPercent(Math.random(), fault.reset.percent)) {
      // A connection reset (TCP RST), no answer at all: what a crashed upstream looks like.
      this.cls = 'connect_error';
      this.conn.reset();
      return this.finish(true);
    }
    if (fault?.abort && hitsPercent(Math.random(), fault.abort.percent)) {
      this.cls = classOf(fault.abort.status);
      return this.refuse(refuse.faultAbort(fault.abort.status, v.name));
    }
    const m = route.mirror;
    if (m && m.version !== v && req.contentLength === 0 && hitsPercent(Math.random(), m.percent))
      mirror(m.version, upstreamRequestHead(req, this.conn.ip, 'x-shipgate-mirror: 1\r\n'), req.method, route.spec.timeouts);
    if (fault?.delay && hitsPercent(Math.random(), fault.delay.percent)) {
      setTimeout(() => this.forward(route, v), fault.delay.delayMs);
      return;
    }
    this.forward(route, v);
  }

  private forward(route: CompiledRoute, v: CompiledVersion): void {
    // The client may have left during an injected delay or in the queue.
    if (this.finished) return;
    const req = this.req;
    const spec = route.spec;
    this.retryable = req.contentLength === 0 && (spec.retries.methods.includes(req.method) || field(req, 'idempotency-key') !== undefined);
    route.guards.retryBudget.recordRequest(Date.now());
    this.requestDeadline = performance.now() + spec.timeouts.requestMs;
    this.upHead = upstreamRequestHead(req, this.conn.ip);
    this.attempt(route, v, undefined);
  }

  private attempt(route: CompiledRoute, v: CompiledVersion, exclude: Upstream | undefined): void {
    this.attempts++;
    const nowMs = Date.now();
    const up = v.balancer.pick(v.upstreams, (u) => u.available(nowMs), exclude);
    if (!up) {
      this.cls = 'connect_error';
      return this.refuse(refuse.noUpstream(v.name));
    }
    this.up = up;
    up.outstanding++;
    this.upSettled = false;
    const timeouts = route.spec.timeouts;
    this.headersDeadline = performance.now() + timeouts.headersMs;
    this.armDeadline();
    this.cancelWait = up.connections.acquire(timeouts.connectMs, (c) => {
      this.cancelWait = undefined;
      this.upConn = c;
      this.reusedConn = c.served > 0;
      const body = this.held.length ? Buffer.concat(this.held) : undefined;
      if (this.heldBytes > MAX_HELD_BODY) this.conn.socket.resume();
      this.held = [];
      this.heldBytes = 0;
      c.send(this.upHead, body, this.req.method, this);
    });
  }

  private armDeadline(): void {
    const d = Math.min(this.requestDeadline, this.headersDeadline);
    if (d === this.deadline) return;
    this.deadline = d;
    if (d === Infinity) this.conn.env.deadlines.delete(this);
    else this.conn.env.deadlines.add(this);
  }

  /** Called by the sweep once `deadline` has passed. */
  expire(nowMs: number): void {
    this.deadline = Infinity;
    if (this.finished) return;
    if (nowMs >= this.requestDeadline) return this.requestTimedOut();
    if (nowMs >= this.headersDeadline) {
      this.headersDeadline = Infinity;
      const err = timeoutError('ETIMEDOUT_HEADERS', `no response headers within ${this.route!.spec.timeouts.headersMs} ms`);
      if (this.upConn) this.upConn.kill(err);
      else {
        this.cancelWait?.();
        this.onError(err, false);
      }
    }
    if (!this.finished) this.armDeadline();
  }

  onInterim(head: Buffer): void {
    this.conn.write(head);
  }

  onHead(res: ResponseHead, body: Buffer): void {
    this.headersDeadline = Infinity;
    this.armDeadline();
    this.status = res.status;
    this.headSent = true;
    const v = this.version!;
    // An unread request body, or a body that ends when the upstream closes: the client connection cannot go on.
    this.closeAfter ||= res.framing === 'close' || this.bodyRemaining > 0;
    let extra = `x-shipgate-version: ${v.name}\r\n`;
    if (this.cookies) for (const c of this.cookies) extra += `set-cookie: ${c}\r\n`;
    if (this.closeAfter) extra += 'connection: close\r\n';
    const head = clientResponseHead(res, extra);
    if (!this.conn.write(body.length ? joined(head, body) : head)) this.waitClientDrain();
  }

  onBody(chunk: Buffer): void {
    if (!this.conn.write(chunk)) this.waitClientDrain();
  }

  onEnd(): void {
    this.upConn = undefined;
    this.settleUpstream(this.status < 500);
    this.finish();
  }

  onError(err: NodeJS.ErrnoException, gotResponse: boolean): void {
    this.headersDeadline = Infinity;
    this.upConn = undefined;
    if (this.finished) return this.settleUpstream(undefined);
    this.settleUpstream(false);
    const route = this.route!;
    const v = this.version!;
    if (gotResponse) {
      // Cut off mid-body: the client sees a truncated response, as it would from the upstream.
      this.conn.close();
      return this.finish();
    }
    const spec = route.spec;
    if (this.retryable && this.attempts <= spec.retries.attempts && isConnectFailure(err, false) && route.guards.retryBudget.tryRetry(Date.now())) {
      route.guards.retried++;
      // A kept-alive connection the instance closed as it was reused says nothing about the
      // instance: try it again on a fresh connection. Otherwise try another instance.
      return this.attempt(route, v, this.reusedConn && err.code === 'ECONNRESET' ? undefined : this.up);
    }
    if (err.code === 'EBADRESPONSE') {
      this.cls = '5xx';
      return this.refuse(refuse.badResponse(v.name, err.message));
    }
    const timedOut = err.code === 'ETIMEDOUT_HEADERS' || err.code === 'ETIMEDOUT_CONNECT';
    this.cls = timedOut ? 'timeout' : 'connect_error';
    this.refuse(refuse.upstreamFailed(v.name, this.up!.url, err, timedOut));
  }

  /** The client connection closed before the exchange ended. */
  clientGone(): void {
    if (this.finished) return;
    this.dropUpstream(undefined);
    this.finish(true, this.headSent);
  }

  private requestTimedOut(): void {
    if (this.finished) return;
    this.cls = 'timeout';
    this.dropUpstream(false);
    if (this.headSent) {
      this.conn.close();
      this.finish();
    } else this.refuse(refuse.requestTimeout(this.version!.name, this.route!.spec.timeouts.requestMs));
  }

  /** Gives up the upstream side of the exchange. */
  private dropUpstream(ok: boolean | undefined): void {
    this.cancelWait?.();
    this.cancelWait = undefined;
    const c = this.upConn;
    this.upConn = undefined;
    this.settleUpstream(ok);
    c?.abandon();
  }

  /** ok: success; false: failure (counts towards ejection); undefined: neither. */
  private settleUpstream(ok: boolean | undefined): void {
    if (this.upSettled) return;
    this.upSettled = true;
    const up = this.up!;
    up.outstanding--;
    if (ok === undefined) return;
    if (ok) up.outlier.success();
    else {
      const t = Date.now();
      up.outlier.failure(
        t,
        this.version!.upstreams.some((o) => o !== up && o.available(t)),
      );
    }
  }

  private refuse(r: Refusal): void {
    if (this.finished) return;
    if (this.headSent) {
      this.conn.close();
      return this.finish();
    }
    this.status = r.status;
    // An unread body cannot be skipped safely: close after the answer.
    this.closeAfter ||= this.bodyRemaining > 0;
    this.conn.refuse(r, this.closeAfter);
    this.finish();
  }

  private finish(gone = false, record = true): void {
    if (this.finished) return;
    this.finished = true;
    if (this.deadline !== Infinity) this.conn.env.deadlines.delete(this);
    this.releaseSlot?.(gone);
    const v = this.version;
    if (v && record) v.stats.record(this.cls ?? classOf(this.status), performance.now() - this.t0, Date.now());
    if (!gone) this.conn.exchangeDone(this.closeAfter);
  }

  /** The client reads slower than the upstream sends: pause the upstream until the client drains. */
  private waitClientDrain(): void {
    const c = this.upConn;
    if (!c || this.waitingClient) return;
    this.waitingClient = true;
    c.pause();
    this.conn.socket.once('drain', () => {
      this.waitingClient = false;
      if (this.upConn === c) c.resume();
    });
  }

  /** The upstream reads the request body slower than the client sends it: pause the client. */
  private waitUpstreamDrain(c: UpstreamConnection): void {
    if (this.waitingUpstream) return;
    this.waitingUpstream = true;
    const client = this.conn.socket;
    client.pause();
    c.socket.once('drain', () => {
      this.waitingUpstream = false;
      client.resume();
    });
  }
}
