/**
 * Outbound HTTP on behalf of users, through the egress policy: the URL's host is checked, the name
 * is resolved and every address checked at connection time, redirects are never followed (a 3xx is
 * a failure), one deadline covers connect, headers and body, and the body is capped.
 */
import http from 'node:http';
import https from 'node:https';
import { timeout, TimeoutStrategy } from 'cockatiel';
import type { EgressPolicy } from './egress-policy';
import type { EgressPurpose } from './egress-rules';

export interface EgressRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Whole exchange (connect, headers, body), ms. */
  timeoutMs: number;
  /** Largest response body read, bytes (default 4 MiB); more is a failure. */
  maxBytes?: number;
  /** `fail` (default): a 3xx rejects; `return`: the 3xx response is the answer. Redirects are never followed. */
  redirects?: 'fail' | 'return';
  signal?: AbortSignal;
}

export interface EgressResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Sends one request; rejects on refusal (EgressDeniedError), network failure, timeout or a redirect. */
export function egressRequest(policy: EgressPolicy, purpose: EgressPurpose, url: string, o: EgressRequestOptions): Promise<EgressResponse> {
  // The one deadline is cockatiel's: it aborts `signal` after timeoutMs (and when the caller's signal aborts).
  return timeout(o.timeoutMs, TimeoutStrategy.Cooperative).execute(({ signal }) => send(policy, purpose, url, o, signal), o.signal);
}

function send(policy: EgressPolicy, purpose: EgressPurpose, url: string, o: EgressRequestOptions, signal: AbortSignal): Promise<EgressResponse> {
  return new Promise((resolve, reject) => {
    try {
      policy.assertUrl(purpose, url);
    } catch (e) {
      return reject(e);
    }
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const maxBytes = o.maxBytes ?? 4 * 1024 * 1024;
    let settled = false;
    const finish = (err: Error | undefined, res?: EgressResponse) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(res!);
    };
    const body = o.body === undefined ? undefined : Buffer.from(o.body);
    const req = lib.request(u, {
      method: o.method ?? 'GET',
      headers: { ...(o.headers ?? {}), ...(body ? { 'content-length': String(body.length) } : {}) },
      lookup: policy.lookup(purpose),
      agent: false,
    });
    // Listening before anything can destroy the request: destroy() emits 'error' (e.g. a signal aborted already).
    req.on('error', (e) => finish(e));
    const onAbort = () => finish(new Error(o.signal?.aborted ? `request to ${u.host} aborted` : `no answer from ${u.host} within ${o.timeoutMs} ms`));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && o.redirects !== 'return') {
        res.resume();
        let where = '';
        try {
          where = res.headers.location ? ` to ${new URL(res.headers.location, u).host}` : '';
        } catch {
          where = '';
        }
        return finish(new Error(`${u.host} answered HTTP ${status} (redirect${where}); redirects are not followed`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) finish(new Error(`${u.host} answered more than ${maxBytes} bytes`));
        else chunks.push(c);
      });
      res.on('error', (e) => finish(e));
      res.on('end', () => finish(undefined, { status, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.end(body);
  });
}

/** A `fetch` for adapters written against it (Prometheus), going through egressRequest. */
export function egressFetch(policy: EgressPolicy, purpose: EgressPurpose, timeoutMs = 10_000): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    const r = await egressRequest(policy, purpose, url, {
      method: init.method ?? 'GET',
      headers,
      ...(typeof init.body === 'string' ? { body: init.body } : {}),
      timeoutMs,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const h = new Headers();
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
    const nullBody = r.status === 204 || r.status === 205 || r.status === 304;
    return new Response(nullBody ? null : r.body, { status: r.status, headers: h });
  }) as typeof fetch;
}
