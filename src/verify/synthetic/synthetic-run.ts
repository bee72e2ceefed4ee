/**
 * Runs a SyntheticCheck once against a target: each step in order, variables passed on, stopping
 * at the first failing step (later steps depend on what it should have given). HTTP goes through
 * the caller's `send` (the egress-checked request on the server, the same one with loopback
 * allowed in the CLI), with the step's timeout, a 1 MiB response bound and no redirect followed.
 * Secret values never appear in the result: they are replaced by `***` wherever a response or a
 * URL would show them.
 */
import { checkAssertions, extract, type AssertionResult, type StepResponse } from './synthetic-assert';
import { interpolate, interpolateJson, type SyntheticSpec } from './synthetic-spec';

export const SYNTHETIC_RESULT_KIND = 'shipgate.dev/synthetic-result/v1';

export interface SendRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}
export type Send = (url: string, r: SendRequest) => Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>;

export interface StepResult {
  name: string;
  method: string;
  /** Path and query as sent, secrets masked. */
  path: string;
  status: number | null;
  latencyMs: number;
  /** `pass`, `fail` (an assertion or extraction), `error` (no answer), `skipped` (an earlier step failed). */
  outcome: 'pass' | 'fail' | 'error' | 'skipped';
  error?: string;
  assertions: AssertionResult[];
  /** The first 500 characters of the response body of a failing step. */
  excerpt?: string;
  /** The revision that answered (`x-shipgate-version`, set by the router). */
  version?: string;
}

export interface SyntheticResult {
  kind: typeof SYNTHETIC_RESULT_KIND;
  check: string;
  target: string;
  ok: boolean;
  startedAt: string;
  durationMs: number;
  /** The version every step was answered by; `mixed` when they differ; null when no router said. */
  version: string | null;
  steps: StepResult[];
}

export async function runSynthetic(
  name: string,
  spec: SyntheticSpec,
  target: string,
  o: { send: Send; secrets: Readonly<Record<string, string>>; now?: () => number },
): Promise<SyntheticResult> {
  const now = o.now ?? (() => performance.now());
  const started = Date.now();
  const t0 = now();
  const secretValues = Object.values(o.secrets).filter((v) => v.length >= 3);
  const mask = (s: string) => secretValues.reduce((acc, v) => acc.split(v).join('***'), s);
  const base = target.replace(/\/+$/, '');
  const vars: Record<string, string> = {};
  const steps: StepResult[] = [];
  let failed = false;
  for (const step of spec.steps) {
    const rq = step.request;
    if (failed) {
      steps.push({ name: step.name, method: rq.method, path: mask(rq.path), status: null, latencyMs: 0, outcome: 'skipped', assertions: [] });
      continue;
    }
    let path = rq.path;
    let headers: Record<string, string> = {};
    let body: string | undefined;
    try {
      path = interpolate(rq.path, vars, o.secrets);
      headers = Object.fromEntries(Object.entries(rq.headers).map(([k, v]) => [k.toLowerCase(), interpolate(v, vars, o.secrets)]));
      if (rq.json !== undefined) {
        body = JSON.stringify(interpolateJson(rq.json, vars, o.secrets));
        headers['content-type'] ??= 'application/json';
      } else if (rq.body !== undefined) body = interpolate(rq.body, vars, o.secrets);
    } catch (e) {
      failed = true;
      steps.push({
        name: step.name,
        method: rq.method,
        path: mask(path),
        status: null,
        latencyMs: 0,
        outcome: 'error',
        error: (e as Error).message,
        assertions: [],
      });
      continue;
    }
    const s0 = now();
    let res: Awaited<ReturnType<Send>>;
    try {
      res = await o.send(base + path, { method: rq.method, headers, ...(body !== undefined ? { body } : {}), timeoutMs: rq.timeout });
    } catch (e) {
      failed = true;
      steps.push({
        name: step.name,
        method: rq.method,
        path: mask(path),
        status: null,
        latencyMs: now() - s0,
        outcome: 'error',
        error: mask((e as Error).message),
        assertions: [],
      });
      continue;
    }
    const latencyMs = now() - s0;
    const text = res.body.toString('utf8');
    const response: StepResponse = { status: res.status, headers: res.headers, body: text, latencyMs };
    const assertions = checkAssertions(step.assert, response).map((a) => ({ ...a, actual: mask(a.actual) }));
    const extracted = extract(step.extract, response);
    Object.assign(vars, extracted.vars);
    const ok = assertions.every((a) => a.ok) && extracted.errors.length === 0;
    const version = res.headers['x-shipgate-version'];
    if (!ok) failed = true;
    steps.push({
      name: step.name,
      method: rq.method,
      path: mask(path),
      status: res.status,
      latencyMs,
      outcome: ok ? 'pass' : 'fail',
      ...(extracted.errors.length ? { error: extracted.errors.join('; ') } : {}),
      assertions,
      ...(ok ? {} : { excerpt: mask(text.slice(0, 500)) }),
      ...(typeof version === 'string' ? { version } : {}),
    });
  }
  const versions = [...new Set(steps.map((s) => s.version).filter((v): v is string => v !== undefined))];
  return {
    kind: SYNTHETIC_RESULT_KIND,
    check: name,
    target: base,
    ok: !failed,
    startedAt: new Date(started).toISOString(),
    durationMs: now() - t0,
    version: versions.length === 0 ? null : versions.length === 1 ? versions[0] : 'mixed',
    steps,
  };
}

/** The first failing step in words, for a table or an alert: step, assertion, expected and actual. */
export function failureLine(r: SyntheticResult): string | undefined {
  const s = r.steps.find((x) => x.outcome === 'fail' || x.outcome === 'error');
  if (!s) return undefined;
  if (s.outcome === 'error') return `step "${s.name}" (${s.method} ${s.path}): ${s.error}`;
  const a = s.assertions.find((x) => !x.ok);
  return a
    ? `step "${s.name}" (${s.method} ${s.path}): ${a.assertion}: expected ${a.expected}, got ${a.actual}`
    : `step "${s.name}" (${s.method} ${s.path}): ${s.error ?? 'failed'}`;
}
