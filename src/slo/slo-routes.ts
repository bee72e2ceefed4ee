import { stringify } from 'yaml';
import { resourceName } from '../core/kinds';
import { sloRuleGroup, type RuleGroup } from './prometheus-rules';
import { serviceDashboard } from './grafana-dashboard';
import { resolveWindow } from './time-window';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BODY_ERRORS, errorResponses } from '../api/route-schemas';
import type { ServerContext } from '../core/capability';
import { InputError, NotFoundError } from '../core/errors';
import type { Manifest } from '../core/manifest';
import type { AlertLoop } from './alert-loop';
import type { SloService } from './slo-service';
import type { PendingPostmortem, SloStorePort } from './slo-store';
import type { AuditInput } from '../audit/audit-log';
import { transaction } from '../store/db';
import { manifestFor } from '../resources/secrets';
import { OPENSLO_API_VERSION, type SloSpec } from './openslo/openslo-schema';
import { inlineReferences } from './openslo/openslo-resolve';
import { toOpenSloYaml } from './openslo/openslo-documents';
import { sha256 } from '../core/ids';

/** `at`: ISO-8601, unix seconds or unix ms. */
export function parseAt(at: string | undefined, nowMs: number, path = 'at'): number {
  if (at === undefined || at === '') return nowMs;
  if (/^\d+(\.\d+)?$/.test(at)) {
    const n = Number(at);
    return n > 1e11 ? n : n * 1000;
  }
  const ms = Date.parse(at);
  if (!Number.isFinite(ms))
    throw new InputError(`"${at}" is not a time: use ISO-8601 (2026-03-01T10:00:00Z) or unix seconds`, [
      { path, message: 'expected ISO-8601 or unix seconds' },
    ]);
  return ms;
}

const atQuery = z.object({ at: z.string().max(40).optional() });
const nameParams = z.object({ name: z.string().min(1).max(253) });
const gateQuery = z.object({
  service: z.string().min(1).max(253),
  environment: z.string().max(253).optional(),
  changeType: z.string().max(50).optional(),
  at: z.string().max(40).optional(),
});
const postmortemBody = z.strictObject({
  service: z.string().min(1).max(253),
  environment: z.string().max(253).optional(),
  /** Release or incident id. */
  reference: z.string().min(1).max(200),
  from: z.string().min(1).max(40),
  to: z.string().min(1).max(40),
  at: z.string().max(40).optional(),
});

// SLO figures (burn rates, budgets) may be infinite or NaN, which JSON writes as null and z.number()
// refuses: the evaluation and gate rows pass through as the SLO model makes them (slo-service.ts).
const statusEntry = {
  name: z.string(),
  status: z.unknown().optional().describe('objectives, budgets, burn rates and alerts at atMs'),
  error: z.string().optional().describe('why the SLO could not be evaluated'),
};
const gateSchema = z.object({
  service: z.string(),
  environment: z.string(),
  atMs: z.number(),
  changeType: z.string().optional(),
  decision: z.enum(['allow', 'requireApproval', 'freeze', 'error']),
  reason: z.string(),
  decidedBy: z.object({ slo: z.string().optional(), policy: z.string().optional(), rule: z.string().optional() }).optional(),
  exempted: z.boolean().optional(),
  slos: z.array(z.unknown()).describe('one row per SLO of the service and its dependents'),
});
const postmortemSchema = z.object({
  id: z.string(),
  service: z.string(),
  slo: z.string(),
  reference: z.string(),
  budgetShare: z.unknown().describe('share of the error budget the window used (may be past 1)'),
  fromMs: z.number(),
  toMs: z.number(),
  status: z.enum(['pending', 'done']),
  createdMs: z.number(),
});

/** Strips the model (internal) from status entries. */
function publicEntry(e: { name: string; status?: unknown; error?: string }) {
  return { name: e.name, ...(e.status ? { status: e.status } : {}), ...(e.error ? { error: e.error } : {}) };
}

export function sloRoutes(base: FastifyInstance, ctx: ServerContext, deps: { slos: SloService; store: SloStorePort; loop: AlertLoop }): void {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const { slos, store, loop } = deps;
  const now = () => ctx.clock.now();

  app.get(
    '/api/v1/observe/:service/export',
    {
      schema: {
        params: z.strictObject({ service: resourceName }),
        tags: ['slo'],
        description:
          "The service's SLOs as Prometheus recording and burn-rate alerting rules (the windows Shipgate evaluates), and a Grafana dashboard of its routes per version.",
        response: {
          200: z.object({
            rules: z.string().describe('a Prometheus rule file (YAML)'),
            groups: z.number(),
            dashboard: z.record(z.string(), z.unknown()).describe('a Grafana dashboard JSON model'),
            unsupported: z.array(z.object({ slo: z.string(), reason: z.string() })),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (req) => {
      const { service } = req.params;
      const entries = (await slos.models()).filter((e) => e.model?.service === service);
      if (!entries.length) throw new NotFoundError(`no SLO of service "${service}" is stored (or none can be evaluated)`);
      const groups: RuleGroup[] = [];
      const unsupported: { slo: string; reason: string }[] = [];
      const routes = new Set<string>();
      for (const e of entries) {
        const m = e.model!;
        const r = sloRuleGroup(m, resolveWindow(m.window, now()).periodMs);
        if ('unsupported' in r) unsupported.push({ slo: e.name, reason: r.unsupported });
        else groups.push(r.group);
        if (m.indicator.kind === 'ratio')
          for (const q of [m.indicator.total, m.indicator.good, m.indicator.bad]) {
            const route = (q?.spec.labels as Record<string, string> | undefined)?.route;
            if (q?.type === 'shipgate' && route) routes.add(route);
          }
      }
      return {
        rules: stringify({ groups }, { lineWidth: 0 }),
        groups: groups.length,
        dashboard: serviceDashboard(service, [...routes].sort(), groups),
        unsupported,
      };
    },
  );

  app.get(
    '/api/v1/slo/status',
    {
      schema: {
        querystring: atQuery,
        tags: ['slo'],
        response: { 200: z.object({ atMs: z.number(), items: z.array(z.object(statusEntry)) }), ...errorResponses() },
      },
    },
    async (req) => {
      const { at } = req.query;
      const atMs = parseAt(at, now());
      return { atMs, items: (await slos.status(undefined, atMs)).map(publicEntry) };
    },
  );

  app.get(
    '/api/v1/slo/status/:name',
    {
      schema: {
        params: nameParams,
        querystring: atQuery,
        tags: ['slo'],
        response: { 200: z.object({ atMs: z.number(), ...statusEntry }), ...errorResponses(404) },
      },
    },
    async (req) => {
      const { name } = req.params;
      const atMs = parseAt(req.query.at, now());
      const [e] = await slos.status(name, atMs);
      return { atMs, ...publicEntry(e) };
    },
  );

  app.get(
    '/api/v1/slo/explain/:name',
    {
      schema: {
        params: nameParams,
        querystring: atQuery,
        tags: ['slo'],
        response: { 200: z.object({ name: z.string(), text: z.string().describe('the evaluation explained for people') }), ...errorResponses(404) },
      },
    },
    async (req) => {
      const { name } = req.params;
      const atMs = parseAt(req.query.at, now());
      return { name, text: await slos.explain(name, atMs) };
    },
  );

  app.get(
    '/api/v1/slo/export/:name',
    {
      schema: {
        params: nameParams,
        querystring: z.object({ inline: z.enum(['true', 'false']).optional() }),
        tags: ['slo'],
        response: { 200: z.object({ yaml: z.string().describe('the OpenSLO document, YAML') }), ...errorResponses(404) },
      },
    },
    async (req) => {
      const { name } = req.params;
      const r = await ctx.resources.get<SloSpec>(OPENSLO_API_VERSION, 'SLO', name);
      if (!r) throw new NotFoundError(`SLO "${name}" not found`);
      let doc: Manifest<SloSpec> = r.manifest;
      if (req.query.inline === 'true') {
        const kinds = ['SLI', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget'];
        const all = new Map<string, Manifest>();
        for (const k of kinds) for (const x of await ctx.resources.list(OPENSLO_API_VERSION, k)) all.set(`${k}/${x.manifest.metadata.name}`, x.manifest);
        doc = inlineReferences(doc, (k, n) => all.get(`${k}/${n}`)).slo;
      }
      // Inlined targets bring their delivery URLs: redacted for everyone but admins.
      return { yaml: toOpenSloYaml(manifestFor(ctx.kinds, req.principal, doc, ctx.secretMarker)) };
    },
  );

  app.get('/api/v1/slo/gate', { schema: { querystring: gateQuery, tags: ['slo'], response: { 200: gateSchema, ...errorResponses(404) } } }, async (req) => {
    const q = req.query;
    return slos.gate({
      service: q.service,
      ...(q.environment ? { environment: q.environment } : {}),
      ...(q.changeType ? { changeType: q.changeType } : {}),
      atMs: parseAt(q.at, now()),
    });
  });

  app.post(
    '/api/v1/slo/evaluate',
    {
      schema: {
        body: z.strictObject({ at: z.string().max(40).optional() }).optional(),
        tags: ['slo'],
        response: {
          200: z.object({
            atMs: z.number(),
            evaluated: z.number().int(),
            events: z.array(z.unknown()).describe('alert transitions notified'),
            outbox: z.array(z.string()),
            failures: z.array(z.string()),
          }),
          ...errorResponses(...BODY_ERRORS),
        },
      },
      config: { access: { roles: ['deployer', 'oncall'] } },
    },
    async (req) => {
      const atMs = parseAt(req.body?.at, now());
      return { atMs, ...(await loop.tick(atMs)) };
    },
  );

  app.post(
    '/api/v1/slo/postmortems/check',
    {
      schema: {
        body: postmortemBody,
        tags: ['slo'],
        response: {
          200: z.object({
            required: z.boolean(),
            shares: z.array(
              z.object({
                slo: z.string(),
                objective: z.string(),
                share: z.unknown().describe('share of the error budget the window used'),
                limit: z.number(),
                required: z.boolean(),
              }),
            ),
            postmortems: z.array(postmortemSchema),
          }),
          ...errorResponses(404, ...BODY_ERRORS),
        },
      },
      config: { access: { roles: ['deployer', 'oncall'] } },
    },
    async (req) => {
      const b = req.body;
      const fromMs = parseAt(b.from, now(), 'from');
      const toMs = parseAt(b.to, now(), 'to');
      if (toMs <= fromMs) throw new InputError('"to" must be after "from"', [{ path: 'to', message: 'must be after from' }]);
      const atMs = parseAt(b.at, Math.max(now(), toMs));
      const shares = await slos.budgetShares({ service: b.service, ...(b.environment ? { environment: b.environment } : {}), fromMs, toMs, atMs });
      const recorded: PendingPostmortem[] = [];
      // Each postmortem newly made due is audited in the transaction that records it; one already
      // recorded (the same release checked again) changes nothing and writes no event.
      await transaction(ctx.db, async (trx) => {
        const events: AuditInput[] = [];
        for (const s of shares.filter((x) => x.required)) {
          const id = `pm_${sha256(`${b.service}|${s.slo}|${s.objective}|${b.reference}`).slice(0, 16)}`;
          const item = {
            id,
            service: b.service,
            slo: `${s.slo}/${s.objective}`,
            reference: b.reference,
            budgetShare: s.share,
            fromMs,
            toMs,
            status: 'pending' as const,
            createdMs: now(),
          };
          if (await store.addPostmortem(item, trx)) {
            events.push({
              actor: req.principal!.user,
              action: 'postmortem.create',
              kind: 'Postmortem',
              name: id,
              after: item,
              details: { service: b.service, slo: item.slo, reference: b.reference, budgetShare: s.share, limit: s.limit },
            });
          }
          recorded.push(item);
        }
        await ctx.audit.appendMany(trx, events);
      });
      return { required: recorded.length > 0, shares, postmortems: recorded };
    },
  );

  app.get(
    '/api/v1/slo/postmortems',
    {
      schema: {
        querystring: z.object({ service: z.string().max(253).optional(), status: z.enum(['pending', 'done']).optional() }),
        tags: ['slo'],
        response: { 200: z.object({ items: z.array(postmortemSchema) }), ...errorResponses() },
      },
    },
    async (req) => {
      const q = req.query;
      return { items: await store.postmortems(q.service, q.status) };
    },
  );

  app.post(
    '/api/v1/slo/postmortems/:id/done',
    {
      schema: {
        params: z.object({ id: z.string().min(1).max(100) }),
        tags: ['slo'],
        response: { 200: z.object({ id: z.string(), status: z.string().describe('done') }), ...errorResponses(404, ...BODY_ERRORS) },
      },
      config: { access: { roles: ['deployer', 'oncall', 'approver'] } },
    },
    async (req) => {
      const { id } = req.params;
      await transaction(ctx.db, async (trx) => {
        const before = await store.completePostmortem(id, trx);
        if (!before) throw new NotFoundError(`postmortem "${id}" not found`);
        // Marking a done postmortem done again changes nothing: no event.
        if (before === 'pending')
          await ctx.audit.append(trx, {
            actor: req.principal!.user,
            action: 'postmortem.done',
            kind: 'Postmortem',
            name: id,
            before: { status: 'pending' },
            after: { status: 'done' },
          });
      });
      return { id, status: 'done' };
    },
  );
}
