import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BODY_ERRORS, errorResponses } from '../api/route-schemas';
import type { Capability } from '../core/capability';
import { HOOKS } from '../core/hooks';
import { InputError, formatIssue, type Issue } from '../core/errors';
import { CliError, EXIT } from '../cli/exit-codes';
import { SeriesStore, seriesMigrations } from './series-store';
import { toSeriesPoints } from './push-points';
import { quantile } from './latency-histogram';
import { transaction } from '../store/db';
import type { SeriesPoint } from './types';

/** What a push batch holds, for its one audit event: distinct series, services (label `service`) and the time span. */
export function pushCounts(points: SeriesPoint[]): { series: number; names: string[]; services: number; fromMs: number; toMs: number } {
  const names = new Set<string>();
  const services = new Set<string>();
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const p of points) {
    names.add(p.series);
    if (p.labels.service) services.add(p.labels.service);
    fromMs = Math.min(fromMs, p.tMs);
    toMs = Math.max(toMs, p.tMs);
  }
  return { series: names.size, names: [...names].sort(), services: services.size, fromMs, toMs };
}

const pushBody = z.object({ points: z.array(z.unknown()).min(1).max(100_000) });
const windowQuery = z.object({
  route: z.string().min(1),
  version: z.string().optional(),
  from: z.coerce.number().int().nonnegative(),
  to: z.coerce.number().int().nonnegative(),
});

const routerWindowSchema = z.object({
  requests: z.number(),
  errors: z.number().describe('5xx, connect errors and timeouts'),
  counts: z.record(z.string(), z.number()).describe('requests per status class'),
  latency: z.record(z.string(), z.number()).describe('histogram: requests per bucket upper bound, ms'),
  errorRate: z.number().nullable(),
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
});

/** The builtin time series: router buckets and pushed points, with the push API and `shipgate push`. */
export const metricsCapability: Capability = {
  name: 'metrics',
  migrations: seriesMigrations,
  init(ctx) {
    ctx.services.provide(HOOKS.metrics, new SeriesStore(ctx.db));
  },
  routes(base, ctx) {
    const app = base.withTypeProvider<ZodTypeProvider>();
    const store = () => ctx.services.get(HOOKS.metrics)!;
    app.post(
      '/api/v1/series',
      {
        schema: {
          body: pushBody,
          tags: ['metrics'],
          response: { 200: z.object({ accepted: z.number().int().describe('points stored') }), ...errorResponses(...BODY_ERRORS) },
        },
        config: { access: { roles: ['metrics'] } },
      },
      async (req) => {
        const { points, issues } = toSeriesPoints(req.body.points);
        if (issues.length) throw new InputError(`${issues.length} invalid point(s); nothing was stored`, issues.slice(0, 100));
        const counts = pushCounts(points);
        // One audit event per batch, with counts, in the transaction that stores the points.
        await transaction(ctx.db, async (trx) => {
          await store().ingestPoints(points, trx);
          await ctx.audit.append(trx, {
            actor: req.principal!.user,
            action: 'series.push',
            kind: 'Series',
            name: counts.names.length === 1 ? counts.names[0] : `${counts.series} series`,
            details: {
              role: req.principal!.role,
              series: counts.series,
              points: points.length,
              services: counts.services,
              names: counts.names.slice(0, 20),
              fromMs: counts.fromMs,
              toMs: counts.toMs,
            },
          });
        });
        return { accepted: points.length };
      },
    );
    app.get(
      '/api/v1/series/router',
      { schema: { querystring: windowQuery, tags: ['metrics'], response: { 200: routerWindowSchema, ...errorResponses() } } },
      async (req) => {
        const q = req.query;
        const w = await store().routerWindow({ route: q.route, version: q.version, fromMs: q.from, toMs: q.to });
        return {
          ...w,
          errorRate: w.requests ? w.errors / w.requests : null,
          p50Ms: quantile(w.latency, 0.5) || null,
          p99Ms: quantile(w.latency, 0.99) || null,
        };
      },
    );
  },
  cli(program, cli) {
    program
      .command('push')
      .description('push series points from a JSON-lines file: {"series","labels","t","value"} per line')
      .argument('<file>', 'JSON lines file (- for stdin)')
      .action(async (file: string) => {
        const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(cli.path(file), 'utf8');
        const raw: unknown[] = [];
        const lineOf: number[] = [];
        const issues: Issue[] = [];
        text.split('\n').forEach((line, i) => {
          if (!line.trim()) return;
          try {
            raw.push(JSON.parse(line));
            lineOf.push(i + 1);
          } catch {
            issues.push({ file, line: i + 1, path: '', message: 'not valid JSON' });
          }
        });
        const r = toSeriesPoints(raw, (i) => ({ file, line: lineOf[i], path: '' }));
        issues.push(...r.issues);
        if (issues.length)
          throw new CliError(
            EXIT.USAGE,
            `nothing was pushed:\n${issues
              .slice(0, 20)
              .map((x) => '  ' + formatIssue(x))
              .join('\n')}`,
          );
        let sent = 0;
        for (let i = 0; i < raw.length; i += 10_000) {
          const res = await cli.api().post<{ accepted: number }>('/api/v1/series', { points: raw.slice(i, i + 10_000) });
          sent += res.accepted;
        }
        cli.out(`${sent} points pushed`);
      });
  },
};
