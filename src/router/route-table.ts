import { routeTableGate } from './route-table-gate';
import { ADAPTIVE_DEFAULTS } from './adaptive-limit';
import { z } from 'zod';
import { KindRegistry, SHIPGATE_API_VERSION, resourceName, type EgressUrl, type KindDefinition } from '../core/kinds';
import { parseDocuments, type Manifest } from '../core/manifest';
import { InputError, formatIssue, type Issue } from '../core/errors';

/**
 * Fault injection for chaos experiments: added latency, aborts and connection resets, each to a
 * share of requests. `expiresAtMs` (ms since epoch): past it the router ignores the fault, so a
 * fault whose writer died (a killed server mid-experiment) does not outlive its experiment.
 */
export const faultSchema = z.strictObject({
  delay: z.strictObject({ percent: z.number().min(0).max(100), delayMs: z.number().int().min(0).max(600_000) }).optional(),
  abort: z.strictObject({ percent: z.number().min(0).max(100), status: z.number().int().min(400).max(599).default(503) }).optional(),
  reset: z.strictObject({ percent: z.number().min(0).max(100) }).optional(),
  expiresAtMs: z.number().int().min(0).optional(),
});
export type FaultSpec = z.infer<typeof faultSchema>;

/** The fault in force at `nowMs`: undefined when there is none or it has expired. */
export function activeFault(f: FaultSpec | undefined, nowMs: number): FaultSpec | undefined {
  return f && (f.expiresAtMs === undefined || nowMs < f.expiresAtMs) ? f : undefined;
}

const instanceUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' && u.hostname !== '' && (u.pathname === '/' || u.pathname === '');
  } catch {
    return false;
  }
}, 'expected an http:// URL with host and port and no path, e.g. "http://127.0.0.1:9001"');

export const backendSchema = z.strictObject({
  version: z.string().regex(/^[A-Za-z0-9][-A-Za-z0-9._]{0,62}$/, 'expected a version name of letters, digits, "-", "." or "_"'),
  /** Relative weight; versions split 10,000 buckets in proportion. */
  weight: z.number().min(0).max(1_000_000).default(0),
  instances: z.array(instanceUrl).min(1).max(1000),
  fault: faultSchema.optional(),
});
export type BackendSpec = z.infer<typeof backendSchema>;

const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected an HTTP header name')
  .transform((s) => s.toLowerCase());

/**
 * An adaptive limit (adaptive-limit.ts) learnt from the upstream's round-trip times, between `min`
 * and `max`. The rest tunes the algorithm; the defaults are Netflix Gradient2's.
 */
export const adaptiveLimitSchema = z
  .strictObject({
    initial: z.number().int().min(1).max(1_000_000).default(20),
    min: z.number().int().min(1).max(1_000_000).default(4),
    max: z.number().int().min(1).max(1_000_000).default(1_000),
    tolerance: z.number().min(1).max(10).default(ADAPTIVE_DEFAULTS.tolerance),
    smoothing: z.number().gt(0).max(1).default(ADAPTIVE_DEFAULTS.smoothing),
    /** Growth per window while the RTT is within tolerance; default sqrt(limit). */
    headroom: z.number().min(0).max(1_000).optional(),
    windowMs: z.number().int().min(1).max(60_000).default(ADAPTIVE_DEFAULTS.windowMs),
    windowSamples: z.number().int().min(1).max(10_000).default(ADAPTIVE_DEFAULTS.windowSamples),
    probeIntervalMs: z.number().int().min(100).max(3_600_000).default(ADAPTIVE_DEFAULTS.probeIntervalMs),
  })
  .superRefine((a, ctx) => {
    if (a.min > a.max) ctx.addIssue({ code: 'custom', path: ['min'], message: `must be <= max (${a.max})` });
    else if (a.initial < a.min || a.initial > a.max)
      ctx.addIssue({ code: 'custom', path: ['initial'], message: `must be between min (${a.min}) and max (${a.max})` });
  });

/** A static (`max`) or adaptive (`adaptive`) concurrency limit, with a bounded queue that has a deadline. */
export const concurrencySchema = z
  .strictObject({
    max: z.number().int().min(1).max(1_000_000).optional(),
    adaptive: adaptiveLimitSchema.optional(),
    /** Requests that may wait for a slot; default 0 for a static limit, ceil(sqrt(limit)) for an adaptive one. */
    queue: z.number().int().min(0).max(1_000_000).optional(),
    queueTimeoutMs: z.number().int().min(1).max(600_000).default(1_000),
  })
  .superRefine((c, ctx) => {
    if (c.max !== undefined && c.adaptive !== undefined)
      ctx.addIssue({ code: 'custom', path: ['adaptive'], message: 'set either max (a static limit) or adaptive, not both' });
    else if (c.max === undefined && c.adaptive === undefined)
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'set max (a static limit) or adaptive: {initial, min, max}' });
  });
export type ConcurrencySpec = z.infer<typeof concurrencySchema>;

export const routeSchema = z.strictObject({
  /** Named by the same rule as every resource (a route is usually named after its service). */
  name: resourceName,
  match: z
    .strictObject({
      /** Host without port; "*" for any, "*.example.com" for subdomains. */
      host: z.string().min(1).default('*'),
      pathPrefix: z.string().startsWith('/', 'must start with "/"').default('/'),
    })
    .default({ host: '*', pathPrefix: '/' }),
  stickiness: z
    .strictObject({
      header: headerName.optional(),
      cookie: z
        .string()
        .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected a cookie name')
        .default('sg-bucket'),
    })
    .default({ cookie: 'sg-bucket' }),
  /** Keep an existing session on the version it started on until that version is removed. */
  sessionPinning: z.boolean().default(false),
  pinCookie: z
    .string()
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected a cookie name')
    .default('sg-version'),
  /** Honour `x-shipgate-version: <version>` from clients (testers). */
  versionHeader: z.boolean().default(true),
  headerRoutes: z
    .array(z.strictObject({ header: headerName, value: z.string(), version: z.string() }))
    .max(100)
    .default([]),
  mirror: z.strictObject({ version: z.string(), percent: z.number().min(0).max(100) }).optional(),
  balancer: z.enum(['round-robin', 'least-outstanding']).default('round-robin'),
  timeouts: z
    .strictObject({
      connectMs: z.number().int().min(1).max(600_000).default(2_000),
      headersMs: z.number().int().min(1).max(600_000).default(15_000),
      requestMs: z.number().int().min(1).max(3_600_000).default(60_000),
    })
    .default({ connectMs: 2_000, headersMs: 15_000, requestMs: 60_000 }),
  retries: z
    .strictObject({
      attempts: z.number().int().min(0).max(5).default(2),
      /** Retries may add at most this share of the route's requests. */
      budgetPercent: z.number().min(0).max(100).default(20),
      /** Retries always allowed per second, so low traffic still gets some. */
      minPerSecond: z.number().min(0).max(1000).default(3),
      methods: z.array(z.string().regex(/^[A-Z]+$/)).default(['GET', 'HEAD', 'OPTIONS']),
    })
    .default({ attempts: 2, budgetPercent: 20, minPerSecond: 3, methods: ['GET', 'HEAD', 'OPTIONS'] }),
  rateLimit: z.strictObject({ requestsPerSecond: z.number().positive().max(10_000_000), burst: z.number().int().min(1).optional() }).optional(),
  concurrency: concurrencySchema.optional(),
  /**
   * Which requests a saturated limiter sheds first: a `sheddable` request gets no queue slot while
   * `critical` ones may wait. A client may lower its request to sheddable (`x-shipgate-priority`).
   */
  priority: z.enum(['critical', 'sheddable']).default('critical'),
  healthCheck: z
    .strictObject({
      // What http.request accepts as a path: visible ASCII, no spaces (percent-encode the rest).
      path: z
        .string()
        .regex(/^\/[\x21-\x7e]*$/, 'a path starting with "/", in visible ASCII without spaces (percent-encode the rest)')
        .default('/healthz'),
      intervalMs: z.number().int().min(50).max(3_600_000).default(5_000),
      timeoutMs: z.number().int().min(10).max(60_000).default(1_000),
      unhealthyThreshold: z.number().int().min(1).max(100).default(2),
      healthyThreshold: z.number().int().min(1).max(100).default(1),
    })
    .optional(),
  outlier: z
    .strictObject({
      consecutiveFailures: z.number().int().min(1).max(1000).default(5),
      baseEjectionMs: z.number().int().min(1).max(3_600_000).default(10_000),
      maxEjectionMs: z.number().int().min(1).max(3_600_000).default(300_000),
    })
    .default({ consecutiveFailures: 5, baseEjectionMs: 10_000, maxEjectionMs: 300_000 }),
  /** How long a removed instance may finish its in-flight requests. */
  drainMs: z.number().int().min(0).max(3_600_000).default(30_000),
  fault: faultSchema.optional(),
  backends: z.array(backendSchema).min(1).max(16),
});
export type RouteSpec = z.infer<typeof routeSchema>;

export const routeTableSpecSchema = z.strictObject({ routes: z.array(routeSchema).max(1000) }).superRefine((spec, ctx) => {
  const seen = new Map<string, number>();
  spec.routes.forEach((r, i) => {
    if (seen.has(r.name))
      ctx.addIssue({ code: 'custom', path: ['routes', i, 'name'], message: `duplicate route name "${r.name}" (also routes[${seen.get(r.name)}])` });
    else seen.set(r.name, i);
    const versions = new Set<string>();
    r.backends.forEach((b, j) => {
      if (versions.has(b.version)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'backends', j, 'version'], message: `duplicate version "${b.version}"` });
      versions.add(b.version);
    });
    if (!r.backends.some((b) => b.weight > 0)) {
      ctx.addIssue({ code: 'custom', path: ['routes', i, 'backends'], message: 'at least one backend needs a weight > 0' });
    }
    r.headerRoutes.forEach((h, j) => {
      if (!versions.has(h.version))
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'headerRoutes', j, 'version'],
          message: `unknown version "${h.version}"; known: ${[...versions].join(', ')}`,
        });
    });
    if (r.mirror && !versions.has(r.mirror.version)) {
      ctx.addIssue({
        code: 'custom',
        path: ['routes', i, 'mirror', 'version'],
        message: `unknown version "${r.mirror.version}"; known: ${[...versions].join(', ')}`,
      });
    }
    if (r.outlier.maxEjectionMs < r.outlier.baseEjectionMs) {
      ctx.addIssue({ code: 'custom', path: ['routes', i, 'outlier', 'maxEjectionMs'], message: 'must be >= baseEjectionMs' });
    }
  });
});
export type RouteTableSpec = z.infer<typeof routeTableSpecSchema>;

export const ROUTE_TABLE_KIND = 'RouteTable';

/** Every backend instance URL (purpose backend: the router proxies to it and health-checks it). */
export function routeTableEgressUrls(m: Manifest<RouteTableSpec>): EgressUrl[] {
  return m.spec.routes.flatMap((r, i) =>
    r.backends.flatMap((b, j) =>
      b.instances.map((url, k): EgressUrl => ({ at: ['spec', 'routes', i, 'backends', j, 'instances', k], url, purpose: 'backend' })),
    ),
  );
}

/** RouteTable as a Shipgate manifest kind: routes, backends with weights, protection settings. */
export const routeTableKind: KindDefinition<RouteTableSpec> = {
  apiVersion: SHIPGATE_API_VERSION,
  kind: ROUTE_TABLE_KIND,
  names: ['routetable', 'routetables', 'rt'],
  spec: routeTableSpecSchema as unknown as z.ZodType<RouteTableSpec>,
  writeRoles: ['deployer'],
  egressUrls: routeTableEgressUrls,
  description: 'Routes of the built-in router: weighted, sticky split between versions of a service',
  gate: (next, prev, ctx) => routeTableGate(next, prev, ctx),
  columns: [
    { header: 'ROUTES', value: (m) => m.spec.routes.length },
    {
      header: 'WEIGHTS',
      value: (m) => m.spec.routes.map((r) => `${r.name}:${r.backends.map((b) => `${b.version}=${b.weight}`).join('/')}`).join(' '),
    },
  ],
};

const registry = new KindRegistry();
registry.register(routeTableKind);

/**
 * Parses route table text (YAML or JSON, one or more RouteTable documents) into manifests.
 * Throws an InputError whose issues are located (`file:line:col path: message`).
 */
export function parseRouteTables(text: string, file: string): Manifest<RouteTableSpec>[] {
  const docs = parseDocuments(text, file);
  if (docs.length === 0) throw new InputError(`${file}: no RouteTable document`, [{ file, path: '', message: 'empty document' }]);
  const out: Manifest<RouteTableSpec>[] = [];
  const issues: Issue[] = [];
  for (const doc of docs) {
    const r = registry.check(doc);
    if (r.manifest) out.push(r.manifest as Manifest<RouteTableSpec>);
    issues.push(...r.issues);
  }
  if (issues.length) throw new InputError(`invalid route table: ${issues.map(formatIssue).join('; ')}`, issues);
  return out;
}

/** Validates a manifest object (already parsed, e.g. from the store) and fills defaults. */
export function checkRouteTable(value: unknown, file = 'route table'): Manifest<RouteTableSpec> {
  const r = registry.check({ value, file, index: 0, locate: () => ({ line: 0, column: 0 }) });
  if (!r.manifest) {
    const issues = r.issues.map(({ line: _l, column: _c, ...i }) => i);
    throw new InputError(`invalid route table: ${issues.map(formatIssue).join('; ')}`, issues);
  }
  return r.manifest as Manifest<RouteTableSpec>;
}

/** Merges several RouteTable resources (sorted by name) into one spec; a route name taken twice keeps the first. */
export function mergeRouteTables(tables: Manifest<RouteTableSpec>[]): { spec: RouteTableSpec; conflicts: string[] } {
  const sorted = [...tables].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const routes: RouteTableSpec['routes'] = [];
  const names = new Set<string>();
  const conflicts: string[] = [];
  for (const t of sorted) {
    for (const r of t.spec.routes) {
      if (names.has(r.name)) {
        conflicts.push(`route "${r.name}" in RouteTable "${t.metadata.name}" ignored: defined by an earlier table`);
        continue;
      }
      names.add(r.name);
      routes.push(r);
    }
  }
  return { spec: { routes }, conflicts };
}
