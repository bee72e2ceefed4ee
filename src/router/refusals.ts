import http from 'node:http';

/** An answer the router gives itself instead of the upstream's: status, error body and extra headers. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

/** The router's own answers, the same on the fast path and on node:http. */
export const refuse = {
  noRoute: (host: string, path: string): Refusal => ({
    status: 404,
    code: 'NO_ROUTE',
    message: `no route matches host "${host}" and path "${path.split('?')[0]}"`,
  }),
  rateLimited: (route: string, waitMs: number): Refusal => ({
    status: 503,
    code: 'RATE_LIMITED',
    message: `route "${route}" is over its rate limit`,
    headers: { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
  }),
  queueFull: (route: string): Refusal => ({
    status: 503,
    code: 'OVERLOADED',
    message: `route "${route}" is at its concurrency limit and its queue is full`,
    headers: { 'retry-after': '1' },
  }),
  shed: (route: string): Refusal => ({
    status: 503,
    code: 'OVERLOADED',
    message: `route "${route}" is at its concurrency limit; sheddable requests are shed first`,
    headers: { 'retry-after': '1' },
  }),
  queueTimeout: (route: string): Refusal => ({
    status: 503,
    code: 'OVERLOADED',
    message: `route "${route}" waited too long for a free slot`,
    headers: { 'retry-after': '1' },
  }),
  faultAbort: (status: number, version: string): Refusal => ({
    status,
    code: 'FAULT_INJECTED',
    message: `fault injection aborted this request with ${status}`,
    headers: { 'x-shipgate-version': version, 'x-shipgate-fault': 'abort' },
  }),
  noUpstream: (version: string): Refusal => ({ status: 502, code: 'NO_UPSTREAM', message: `version "${version}" has no instance to try` }),
  requestTimeout: (version: string, ms: number): Refusal => ({
    status: 504,
    code: 'UPSTREAM_TIMEOUT',
    message: `no complete answer from version "${version}" within ${ms} ms`,
  }),
  upstreamFailed: (version: string, url: string, err: Error, timedOut: boolean): Refusal => ({
    status: timedOut ? 504 : 502,
    code: timedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNREACHABLE',
    message: `version "${version}" instance ${url}: ${err.message}`,
    headers: { 'x-shipgate-version': version },
  }),
  badResponse: (version: string, why: string): Refusal => ({
    status: 502,
    code: 'UPSTREAM_BAD_RESPONSE',
    message: `version "${version}" answered headers that cannot be passed on: ${why}`,
  }),
  badRequest: (why: string): Refusal => ({ status: 400, code: 'BAD_REQUEST', message: `request cannot be forwarded: ${why}` }),
};

/** A refusal as a complete HTTP/1.1 response (`close` adds Connection: close). */
export function refusalResponse(r: Refusal, close: boolean): Buffer {
  const body = JSON.stringify({ code: r.code, message: r.message });
  let head = `HTTP/1.1 ${r.status} ${http.STATUS_CODES[r.status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  if (r.headers) for (const k in r.headers) head += `${k}: ${r.headers[k]}\r\n`;
  if (close) head += 'connection: close\r\n';
  return Buffer.from(head + '\r\n' + body);
}
