import http from 'node:http';
import type { CodeClass } from '../metrics/types';
import { hitsPercent } from './buckets';
import { droppedStatus, isSheddable, PRIORITY_HEADER } from './concurrency-limiter';
import type { CompiledRoute, CompiledTable, CompiledVersion } from './compiled-table';
import type { Upstream } from './upstream-pool';
import { refuse, type Refusal } from './refusals';
import { activeFault } from './route-table';
import { chooseVersion, headersOf } from './version-choice';

/** What the handler needs from the router. */
export interface ProxyEnv {
  table(): CompiledTable;
  /** Called when a route sheds a request (rate or concurrency limit). */
  onShed(route: string): void;
  log(message: string, err?: unknown): void;
}

/** Host header without port, lower case. */
export function hostOf(h: string | undefined): string {
  if (!h) return '';
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1).toLowerCase();
  const i = h.indexOf(':');
  return (i < 0 ? h : h.slice(0, i)).toLowerCase();
}

export function classOf(status: number): CodeClass {
  return status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : '2xx';
}

function send(res: http.ServerResponse, r: Refusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify({ code: r.code, message: r.message });
  res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...r.headers });
  res.end(text);
}

function isHopByHop(k: string): boolean {
  switch (k) {
    case 'connection':
    case 'keep-alive':
    case 'proxy-connection':
    case 'te':
    case 'trailer':
    case 'upgrade':
    case 'transfer-encoding':
      return true;
    default:
      return false;
  }
}

/** Forwarded request headers: the client's minus hop-by-hop ones, plus X-Forwarded-*. */
export function forwardHeaders(req: http.IncomingMessage, keepUpgrade = false): http.OutgoingHttpHeaders {
  const src = req.headers;
  const h: http.OutgoingHttpHeaders = {};
  const conn = src.connection;
  const listed = conn && !keepUpgrade && conn !== 'keep-alive' && conn !== 'close' ? conn.split(',').map((x) => x.trim().toLowerCase()) : undefined;
  for (const k in src) {
    if (isHopByHop(k) && !(keepUpgrade && (k === 'upgrade' || k === 'connection'))) continue;
    if (listed && listed.includes(k)) continue;
    h[k] = src[k];
  }
  const ip = req.socket.remoteAddress ?? '';
  const prior = src['x-forwarded-for'];
  h['x-forwarded-for'] = prior ? `${prior}, ${ip}` : ip;
  if (!h['x-forwarded-proto']) h['x-forwarded-proto'] = 'http';
  if (!h['x-forwarded-host'] && src.host) h['x-forwarded-host'] = src.host;
  return h;
}

/** Response headers for the client as a flat [name, value, …] list: the upstream's minus hop-by-hop ones, plus ours. */
export function responseHeaders(raw: string[], version: string, cookies: string[] | undefined): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (isHopByHop(raw[i].toLowerCase())) continue;
    out.push(raw[i], raw[i + 1]);
  }
  out.push('x-shipgate-version', version);
  if (cookies) for (const c of cookies) out.push('set-cookie', c);
  return out;
}

export function isConnectFailure(err: NodeJS.ErrnoException, gotResponse: boolean): boolean {
  if (gotResponse) return false;
  // A reused keep-alive socket the upstream closed (or an instance killed) looks like a reset
  // before any response: the request was not processed to completion, so an idempotent one may go again.
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT_CONNECT'].includes(err.code ?? '') ||
    err.message === 'socket hang up'
  );
}

/**
 * The hot path: match a route, protect it (rate, concurrency), choose the version (tester header,
 * session pin, sticky bucket), inject faults, mirror, forward with retries, count the outcome.
 */
export class ProxyHandler {
  constructor(private readonly env: ProxyEnv) {}

  handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const t0 = performance.now();
    const table = this.env.table();
    const path = req.url ?? '/';
    const route = table.match(hostOf(req.headers.host), path);
    if (!route) {
      send(res, refuse.noRoute(hostOf(req.headers.host), path));
      req.resume();
      return;
    }
    const g = route.guards;
    if (g.rate && !g.rate.tryTake(Date.now())) {
      this.env.onShed(route.name);
      send(res, refuse.rateLimited(route.name, g.rate.waitMs(Date.now())));
      req.resume();
      return;
    }
    const limiter = g.concurrency;
    if (limiter) {
      let released = false;
      let admittedAt = 0;
      let inflight = 0;
      // The sample for an adaptive limit: admission to the end of the response; none when the client left.
      const release = () => {
        if (released) return;
        released = true;
        limiter.release(res.writableFinished ? { rttMs: performance.now() - admittedAt, inflight, dropped: droppedStatus(res.statusCode) } : undefined);
      };
      const admission = limiter.acquire(
        (n) => {
          admittedAt = performance.now();
          inflight = n;
          res.once('close', release);
          if (res.destroyed || req.destroyed) {
            release();
            return;
          }
          this.route(req, res, route, t0);
        },
        () => {
          this.env.onShed(route.name);
          send(res, refuse.queueTimeout(route.name));
        },
        isSheddable(route.spec.priority, req.headers[PRIORITY_HEADER]),
      );
      if (admission === 'full' || admission === 'shed') {
        this.env.onShed(route.name);
        send(res, admission === 'shed' ? refuse.shed(route.name) : refuse.queueFull(route.name));
        req.resume();
      }
      return;
    }
    this.route(req, res, route, t0);
  };

  private route(req: http.IncomingMessage, res: http.ServerResponse, route: CompiledRoute, t0: number): void {
    const choice = chooseVersion(route, headersOf(req.headers));
    const version = choice.version;
    const fault = version.fault && activeFault(version.fault, Date.now());
    if (fault?.reset && hitsPercent(Math.random(), fault.reset.percent)) {
      // A connection reset (TCP RST), no answer at all: what a crashed upstream looks like.
      version.stats.record('connect_error', performance.now() - t0, Date.now());
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.abort && hitsPercent(Math.random(), fault.abort.percent)) {
      const status = fault.abort.status;
      res.once('close', () => version.stats.record(classOf(status), performance.now() - t0, Date.now()));
      send(res, refuse.faultAbort(status, version.name));
      req.resume();
      return;
    }
    if (route.mirror && route.mirror.version !== version && hitsPercent(Math.random(), route.mirror.percent) && !hasBody(req)) {
      this.mirror(req, route, route.mirror.version);
    }
    if (fault?.delay && hitsPercent(Math.random(), fault.delay.percent)) {
      setTimeout(() => this.forward(req, res, route, version, choice.cookies, t0), fault.delay.delayMs);
      return;
    }
    this.forward(req, res, route, version, choice.cookies, t0);
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    route: CompiledRoute,
    version: CompiledVersion,
    cookies: string[] | undefined,
    t0: number,
  ): void {
    // The client may have left during an injected delay or in the queue.
    if (res.destroyed) return;
    const spec = route.spec;
    const timeouts = spec.timeouts;
    const bodyless = !hasBody(req);
    // Idempotent by method, or marked by the client with an Idempotency-Key; a streamed body cannot be replayed.
    const retryable = bodyless && (spec.retries.methods.includes(req.method ?? '') || req.headers['idempotency-key'] !== undefined);
    const budget = route.guards.retryBudget;
    budget.recordRequest(Date.now());
    const headers = forwardHeaders(req);
    let attempts = 0;
    let cls: CodeClass | undefined;
    let done = false;
    let current: http.ClientRequest | undefined;
    const deadline = setTimeout(() => {
      cls = 'timeout';
      current?.destroy();
      if (!res.headersSent) send(res, refuse.requestTimeout(version.name, timeouts.requestMs));
      else res.destroy();
    }, timeouts.requestMs);
    res.once('close', () => {
      clearTimeout(deadline);
      done = true;
      if (!res.writableFinished) current?.destroy();
      version.stats.record(cls ?? classOf(res.statusCode), performance.now() - t0, Date.now());
    });

    const attempt = (exclude?: Upstream): void => {
      attempts++;
      const nowMs = Date.now();
      const up = version.balancer.pick(version.upstreams, (u) => u.available(nowMs), exclude);
      if (!up) {
        cls = 'connect_error';
        send(res, refuse.noUpstream(version.name));
        return;
      }
      up.outstanding++;
      let gotResponse = false;
      let settled = false;
      /** ok: success; false: failure (counts towards ejection); undefined: neither (the client left). */
      const settle = (ok: boolean | undefined) => {
        if (settled) return;
        settled = true;
        up.outstanding--;
        if (ok === undefined) return;
        if (ok) up.outlier.success();
        else {
          const t = Date.now();
          up.outlier.failure(
            t,
            version.upstreams.some((o) => o !== up && o.available(t)),
          );
        }
      };
      let upReq: http.ClientRequest;
      try {
        upReq = http.request({ agent: up.agent, host: up.hostname, port: up.port, method: req.method, path: req.url, headers });
      } catch (e) {
        // Node refuses to send some paths and header values its parser accepted.
        settle(undefined);
        cls = undefined;
        send(res, refuse.badRequest((e as Error).message));
        req.resume();
        return;
      }
      current = upReq;
      const headersTimer = setTimeout(() => {
        const e = new Error(`no response headers within ${timeouts.headersMs} ms`) as NodeJS.ErrnoException;
        e.code = 'ETIMEDOUT_HEADERS';
        upReq.destroy(e);
      }, timeouts.headersMs);
      upReq.once('socket', (socket) => {
        if ((socket as { connecting?: boolean }).connecting) {
          const connectTimer = setTimeout(() => {
            const e = new Error(`no connection within ${timeouts.connectMs} ms`) as NodeJS.ErrnoException;
            e.code = 'ETIMEDOUT_CONNECT';
            upReq.destroy(e);
          }, timeouts.connectMs);
          socket.once('connect', () => clearTimeout(connectTimer));
          socket.once('close', () => clearTimeout(connectTimer));
        }
      });
      upReq.on('response', (upRes) => {
        gotResponse = true;
        clearTimeout(headersTimer);
        const status = upRes.statusCode ?? 502;
        if (done) {
          upRes.resume();
          settle(status < 500);
          return;
        }
        try {
          res.writeHead(status, responseHeaders(upRes.rawHeaders, version.name, cookies));
        } catch (e) {
          upRes.resume();
          settle(false);
          cls = '5xx';
          send(res, refuse.badResponse(version.name, (e as Error).message));
          return;
        }
        upRes.pipe(res);
        upRes.once('end', () => settle(status < 500));
        upRes.once('error', () => {
          settle(false);
          res.destroy();
        });
        upRes.once('close', () => settle(upRes.complete ? status < 500 : done && cls !== 'timeout' ? undefined : false));
      });
      upReq.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(headersTimer);
        settle(done && cls !== 'timeout' ? undefined : false);
        if (done || cls === 'timeout') return;
        if (gotResponse) {
          res.destroy();
          return;
        }
        if (retryable && attempts <= spec.retries.attempts && isConnectFailure(err, gotResponse) && budget.tryRetry(Date.now())) {
          route.guards.retried++;
          attempt(up);
          return;
        }
        const timedOut = err.code === 'ETIMEDOUT_HEADERS' || err.code === 'ETIMEDOUT_CONNECT';
        cls = timedOut ? 'timeout' : 'connect_error';
        send(res, refuse.upstreamFailed(version.name, up.url, err, timedOut));
      });
      if (bodyless) upReq.end();
      else {
        req.pipe(upReq);
        req.once('error', () => upReq.destroy());
      }
    };
    attempt();
  }

  /** Sends a copy to another version; its response is discarded, its outcome counted as mirror stats. */
  private mirror(req: http.IncomingMessage, route: CompiledRoute, version: CompiledVersion): void {
    const t0 = performance.now();
    const nowMs = Date.now();
    const up = version.balancer.pick(version.upstreams, (u) => u.available(nowMs));
    if (!up) return;
    const headers = forwardHeaders(req);
    headers['x-shipgate-mirror'] = '1';
    const timeouts = route.spec.timeouts;
    let recorded = false;
    const record = (cls: CodeClass) => {
      if (recorded) return;
      recorded = true;
      clearTimeout(timer);
      version.mirrorStats.record(cls, performance.now() - t0, Date.now());
    };
    let upReq: http.ClientRequest;
    try {
      upReq = http.request({ agent: up.agent, host: up.hostname, port: up.port, method: req.method, path: req.url, headers });
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      record('timeout');
      upReq.destroy();
    }, timeouts.requestMs);
    upReq.on('response', (r) => {
      r.resume();
      r.once('end', () => record(classOf(r.statusCode ?? 502)));
      r.once('error', () => record('connect_error'));
    });
    upReq.on('error', () => record('connect_error'));
    upReq.end();
  }
}

/** Whether a request carries a body (Content-Length > 0 or chunked). */
export function hasBody(req: http.IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return cl !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}
