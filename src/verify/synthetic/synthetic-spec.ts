/**
 * The SyntheticCheck kind: a named sequence of HTTP steps against a target (method, path relative
 * to the target, headers, body, timeout), each with assertions (status, header, JSON path value,
 * body regex, latency budget) and extractions into variables later steps use (a login token, an
 * order id). Secrets are referred to (`${secrets.NAME}`), never written in a step. Pure.
 */
import { z } from 'zod';
import { durationMs } from '../../core/duration';
import { resourceName, SHIPGATE_API_VERSION, type KindDefinition } from '../../core/kinds';
import { regexProblem } from '../../core/safe-regex';
import { parseJsonPath } from './json-path';

export const SYNTHETIC_CHECK_KIND = 'SyntheticCheck';

/** Bounds that keep one check cheap for the server that schedules it. */
export const SYNTHETIC_LIMITS = { steps: 20, stepTimeoutMs: 60_000, minIntervalMs: 10_000, bodyBytes: 1024 * 1024, requestBodyChars: 64 * 1024 } as const;

const regex = z
  .string()
  .min(1)
  .max(1000)
  .superRefine((s, c) => {
    const p = regexProblem(s);
    if (p) c.addIssue({ code: 'custom', message: p });
  });
const jsonPath = z
  .string()
  .min(1)
  .max(500)
  .superRefine((s, c) => {
    try {
      parseJsonPath(s);
    } catch (e) {
      c.addIssue({ code: 'custom', message: (e as Error).message });
    }
  });
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'expected an HTTP header name');
const variable = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'expected a variable name: letters, digits and _');

const status = z.union([
  z.number().int().min(100).max(599),
  z.array(z.number().int().min(100).max(599)).min(1).max(20),
  z.string().regex(/^[1-5]xx$/, 'expected a status class such as 2xx'),
]);

export const assertionSchema = z.union([
  z.strictObject({ status }),
  z.strictObject({
    header: z.strictObject({ name: headerName, equals: z.string().max(2000).optional(), matches: regex.optional(), exists: z.boolean().optional() }),
  }),
  z.strictObject({
    json: z.strictObject({
      path: jsonPath,
      equals: z.unknown().optional(),
      matches: regex.optional(),
      exists: z.boolean().optional(),
      type: z.enum(['string', 'number', 'boolean', 'object', 'array', 'null']).optional(),
    }),
  }),
  z.strictObject({ body: z.strictObject({ matches: regex.optional(), contains: z.string().max(2000).optional() }) }),
  z.strictObject({ latency: durationMs.describe('the step answers within this budget, e.g. 300ms') }),
]);
export type Assertion = z.infer<typeof assertionSchema>;

export const extractionSchema = z.union([
  z.strictObject({ json: jsonPath }),
  z.strictObject({ header: headerName, regex: regex.optional() }),
  z.strictObject({ body: regex }),
]);
export type Extraction = z.infer<typeof extractionSchema>;

export const stepSchema = z.strictObject({
  name: z.string().min(1).max(100),
  request: z.strictObject({
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
    /** Relative to the target: a path and query, `${var}` allowed. */
    path: z.string().min(1).max(2000).regex(/^\//, 'expected a path relative to the target, starting with /'),
    headers: z.record(headerName, z.string().max(4000)).default({}),
    body: z.string().max(SYNTHETIC_LIMITS.requestBodyChars).optional(),
    /** A JSON body (sent with content-type application/json); string leaves may hold `${var}`. */
    json: z.unknown().optional(),
    timeout: durationMs.default(10_000),
  }),
  assert: z.array(assertionSchema).max(50).default([]),
  extract: z.record(variable, extractionSchema).default({}),
});
export type SyntheticStep = z.infer<typeof stepSchema>;

export const syntheticSpecSchema = z
  .strictObject({
    /** The service it checks (reads, not a binding: a check may cover several). */
    service: resourceName.optional(),
    description: z.string().max(2000).optional(),
    /**
     * Secrets the steps refer to as `${secrets.NAME}`: `value` is stored on the server (shown to
     * admins only, audited as a marker); `env` is read by the CLI from its environment, never by
     * the server.
     */
    secrets: z
      .record(
        variable,
        z.union([
          z.strictObject({ value: z.string().min(1).max(4000) }),
          z.strictObject({ env: z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'expected an environment variable name') }),
        ]),
      )
      .default({}),
    steps: z.array(stepSchema).min(1).max(SYNTHETIC_LIMITS.steps),
    /** Runs from the server every interval against an environment's target; results are the `synthetic.*` series. */
    schedule: z
      .strictObject({
        every: durationMs,
        environment: resourceName,
        target: z.url({ protocol: /^https?$/ }).max(2048),
      })
      .optional(),
    /** A smoke check: run against every instance of a new revision after promotion (Rollout postPromotion). */
    smoke: z.boolean().default(false),
  })
  .superRefine((s, c) => {
    if (s.schedule && s.schedule.every < SYNTHETIC_LIMITS.minIntervalMs)
      c.addIssue({ code: 'custom', path: ['schedule', 'every'], message: `at least ${SYNTHETIC_LIMITS.minIntervalMs / 1000}s between runs` });
    s.steps.forEach((st, i) => {
      if (st.request.timeout > SYNTHETIC_LIMITS.stepTimeoutMs)
        c.addIssue({ code: 'custom', path: ['steps', i, 'request', 'timeout'], message: `at most ${SYNTHETIC_LIMITS.stepTimeoutMs / 1000}s` });
      if (st.request.body !== undefined && st.request.json !== undefined)
        c.addIssue({ code: 'custom', path: ['steps', i, 'request'], message: 'give body or json, not both' });
      for (const ref of referencesIn(st))
        if (ref.startsWith('secrets.') && !(ref.slice(8) in s.secrets))
          c.addIssue({ code: 'custom', path: ['steps', i], message: `\${${ref}} names no entry of spec.secrets` });
    });
    if (s.schedule || s.smoke)
      for (const [name, ref] of Object.entries(s.secrets))
        if ('env' in ref)
          c.addIssue({
            code: 'custom',
            path: ['secrets', name],
            message: `a ${s.schedule ? 'scheduled' : 'smoke'} check runs on the server, which reads no environment variable for a manifest: give the value (stored as a secret, shown to admins only)`,
          });
  });
export type SyntheticSpec = z.infer<typeof syntheticSpecSchema>;

const REF = /\$\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;

/** Every `${…}` a step refers to (in its path, headers and body). */
export function referencesIn(step: SyntheticStep): string[] {
  const texts = [step.request.path, ...Object.values(step.request.headers), step.request.body ?? '', JSON.stringify(step.request.json ?? null)];
  return texts.flatMap((t) => [...t.matchAll(REF)].map((m) => m[1]));
}

/**
 * Replaces `${name}` (a variable extracted by an earlier step) and `${secrets.NAME}`; an unknown
 * name throws, naming it.
 */
export function interpolate(text: string, vars: Readonly<Record<string, string>>, secrets: Readonly<Record<string, string>>): string {
  return text.replace(REF, (_, ref: string) => {
    if (ref.startsWith('secrets.')) {
      const v = secrets[ref.slice(8)];
      if (v === undefined) throw new Error(`\${${ref}}: no such secret`);
      return v;
    }
    const v = vars[ref];
    if (v === undefined) throw new Error(`\${${ref}}: no earlier step extracted "${ref}"`);
    return v;
  });
}

/** `interpolate` over the string leaves of a JSON value. */
export function interpolateJson(value: unknown, vars: Readonly<Record<string, string>>, secrets: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return interpolate(value, vars, secrets);
  if (Array.isArray(value)) return value.map((v) => interpolateJson(v, vars, secrets));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateJson(v, vars, secrets)]));
  return value;
}

/** Formats a duration for a table column. */
const every = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

export const syntheticCheckKind: KindDefinition<SyntheticSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: SYNTHETIC_CHECK_KIND,
  names: ['syntheticcheck', 'syntheticchecks', 'synthetic', 'sc'],
  spec: syntheticSpecSchema as never,
  description: 'a sequence of HTTP steps with assertions and extracted variables, run once from CI or on a schedule from the server',
  secretPaths: ['spec.secrets.*.value'],
  columns: [
    { header: 'name', value: (m) => m.metadata.name },
    { header: 'service', value: (m) => m.spec.service ?? '-' },
    { header: 'steps', value: (m) => m.spec.steps.length },
    { header: 'schedule', value: (m) => (m.spec.schedule ? `every ${every(m.spec.schedule.every)} in ${m.spec.schedule.environment}` : '-') },
    { header: 'smoke', value: (m) => String(m.spec.smoke) },
  ],
  egressUrls: (m) => (m.spec.schedule ? [{ at: ['spec', 'schedule', 'target'], url: m.spec.schedule.target, purpose: 'synthetic' }] : []),
};
