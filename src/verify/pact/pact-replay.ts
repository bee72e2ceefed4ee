/**
 * Verifies a Pact against a running provider: for each interaction, sets up its provider states
 * (POST to the state-setup URL, as Pact verifiers do), sends the expected request, and matches the
 * response (pact-match.ts). Requests go only to the URLs the user names; each has a deadline and
 * a response-size bound.
 */
import type { Pact, PactInteraction } from './pact-file';
import { matchResponse, type Mismatch } from './pact-match';

export interface InteractionResult {
  description: string;
  states: string[];
  ok: boolean;
  mismatches: Mismatch[];
  /** Set when the request could not be made at all (connection refused, timeout, state setup failed). */
  error?: string;
  durationMs: number;
}

export interface PactVerification {
  consumer: string;
  provider: string;
  specification: string;
  providerUrl: string;
  results: InteractionResult[];
  ok: boolean;
}

export interface ReplayOptions {
  providerUrl: string;
  stateSetupUrl?: string;
  timeoutMs: number;
  /** Largest response body read, bytes. */
  maxBodyBytes?: number;
  onResult?: (r: InteractionResult, index: number, total: number) => void;
}

const DEFAULT_MAX_BODY = 10 * 1024 * 1024;

async function send(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
  maxBytes: number,
): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  const res = await fetch(url, { method: init.method, headers: init.headers, body: init.body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel();
        throw new Error(`response body over ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  }
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k.toLowerCase()] = v;
  });
  return { status: res.status, headers, text: Buffer.concat(chunks).toString('utf8') };
}

function requestOf(it: PactInteraction, base: string): { url: string; method: string; headers: Record<string, string>; body?: string } {
  const u = new URL(base);
  const prefix = u.pathname.replace(/\/$/, '');
  u.pathname = `${prefix}${it.request.path}`;
  for (const [k, values] of Object.entries(it.request.query)) for (const v of values) u.searchParams.append(k, v);
  const headers = { ...it.request.headers };
  let body: string | undefined;
  if (it.request.body !== undefined) {
    const ct = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
    if (typeof it.request.body === 'string' && !(ct && /json/i.test(ct))) body = it.request.body;
    else {
      body = JSON.stringify(it.request.body);
      if (!ct) headers['Content-Type'] = 'application/json';
    }
  }
  return { url: u.toString(), method: it.request.method, headers, body };
}

async function setupStates(o: ReplayOptions, pact: Pact, it: PactInteraction, action: 'setup' | 'teardown'): Promise<void> {
  if (!o.stateSetupUrl || it.providerStates.length === 0) return;
  for (const s of it.providerStates) {
    const body = JSON.stringify({ consumer: pact.consumer, state: s.name, states: it.providerStates.map((x) => x.name), params: s.params ?? {}, action });
    const r = await send(o.stateSetupUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body }, o.timeoutMs, 1024 * 1024);
    if (r.status >= 300) throw new Error(`provider state "${s.name}" ${action} answered ${r.status}${r.text ? `: ${r.text.slice(0, 200)}` : ''}`);
  }
}

/** What went wrong with a request, for people: fetch hides the socket error in `cause`. */
function failureText(e: unknown, timeoutMs: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (err.cause?.code) return `${err.cause.code}: ${err.cause.message ?? err.message}`;
  return err.message;
}

/** Replays every interaction in order; never throws for a provider's failure (it is a result). */
export async function verifyPact(pact: Pact, o: ReplayOptions): Promise<PactVerification> {
  const results: InteractionResult[] = [];
  for (const [i, it] of pact.interactions.entries()) {
    const t0 = performance.now();
    const states = it.providerStates.map((s) => s.name);
    let r: InteractionResult;
    try {
      await setupStates(o, pact, it, 'setup');
      const req = requestOf(it, o.providerUrl);
      const actual = await send(req.url, req, o.timeoutMs, o.maxBodyBytes ?? DEFAULT_MAX_BODY);
      const mismatches = matchResponse(it.response, actual);
      r = { description: it.description, states, ok: mismatches.length === 0, mismatches, durationMs: performance.now() - t0 };
    } catch (e) {
      r = { description: it.description, states, ok: false, mismatches: [], error: failureText(e, o.timeoutMs), durationMs: performance.now() - t0 };
    } finally {
      await setupStates(o, pact, it, 'teardown').catch(() => {});
    }
    results.push(r);
    o.onResult?.(r, i, pact.interactions.length);
  }
  return {
    consumer: pact.consumer,
    provider: pact.provider,
    specification: pact.specification,
    providerUrl: o.providerUrl,
    results,
    ok: results.every((r) => r.ok),
  };
}
