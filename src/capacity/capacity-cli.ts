/**
 * `shipgate capacity forecast SERVICE` and `shipgate capacity plan SERVICE --version V`: the
 * server computes both from its stored series (GET /api/v1/capacity/…). `plan` exits 1 when the
 * environment's replicas are fewer than the instances the forecast peak needs.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { parseFormat, type CliContext } from '../cli/context';
import { EXIT } from '../cli/exit-codes';
import { renderTable } from '../cli/table';
import { InputError } from '../core/errors';
import type { ForecastView, PlanView } from './capacity-service';

/** Only what a plan needs of a load result (src/verify/load-result.ts format); capabilities may not import one another. */
const loadResultFields = z.object({ kind: z.literal('shipgate.dev/load-result/v1'), achievedRps: z.number().positive() });

/** `30%` → 0.3; a bare number is a fraction (`0.3`). */
export function parseHeadroom(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const v = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
  if (!(v >= 0 && v <= 10))
    throw new InputError(`--headroom: "${text}" is not a percentage such as 30% (or a fraction such as 0.3)`, [
      { path: '--headroom', message: 'expected e.g. 30%' },
    ]);
  return v;
}

function perInstanceFromLoadResult(cli: CliContext, file: string, instances: number): number {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(cli.path(file), 'utf8'));
  } catch (e) {
    throw new InputError(`--load-result ${file}: ${(e as Error).message}`, [{ path: file, message: (e as Error).message }]);
  }
  const r = loadResultFields.safeParse(doc);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InputError(`--load-result ${file}: ${i.path.join('.') || '(document)'}: ${i.message}`, [
      { path: `${file}#${i.path.join('.')}`, message: i.message },
    ]);
  }
  return r.data.achievedRps / instances;
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

function forecastTable(cli: CliContext, f: ForecastView): void {
  cli.out(
    `${f.service} in ${f.environment} (route ${f.route}): model ${f.model}, backtest MAPE ${pct(f.backtestMape)} on the last week of ${f.historyHours}h; ` +
      `peak ${fmt(f.peak.rps)} req/s at ${iso(f.peak.atMs)} UTC (${f.interval.level * 100}% interval ${fmt(f.peak.lowerRps)}–${fmt(f.peak.upperRps)})`,
  );
  if (f.events.length) cli.out(`events: ${f.events.map((e) => `${e.name} ×${e.multiplier} (${e.hours}h)`).join(', ')}`);
  const days = new Map<string, ForecastView['points'][number]>();
  for (const p of f.points) {
    const d = iso(p.atMs).slice(0, 10);
    const cur = days.get(d);
    if (!cur || p.rps > cur.rps) days.set(d, p);
  }
  cli.out(
    renderTable(
      ['DAY', 'PEAK REQ/S', 'AT (UTC)', 'LOW', 'HIGH', 'EVENT'],
      [...days.entries()].map(([d, p]) => [
        d,
        fmt(p.rps),
        iso(p.atMs).slice(11),
        fmt(p.lowerRps),
        fmt(p.upperRps),
        p.eventFactor === 1 ? '' : `×${p.eventFactor.toFixed(2)}`,
      ]),
    ),
  );
  cli.out(`candidates: ${f.candidates.map((c) => `${c.name} ${pct(c.mape)}`).join(', ')}`);
}

export function capacityCommands(program: Command, cli: CliContext): void {
  const capacity = program.command('capacity').description('traffic forecasts and the instances they need');
  const common = (c: Command) =>
    c
      .option('--env <environment>', 'the environment', 'production')
      .option('--horizon <duration>', 'how far ahead', '14d')
      .option('--history <duration>', 'how much history to fit (at least 21d)', '28d')
      .option('-o, --output <format>', 'table | json | yaml', 'table');
  common(
    capacity
      .command('forecast')
      .description('hourly request-rate forecast of the service (double-seasonal Holt-Winters chosen by backtest), its peak and 80% interval')
      .argument('<service>'),
  ).action(async (service: string, o: { env: string; horizon: string; history: string; output: string }) => {
    const format = parseFormat(o.output, ['table', 'json', 'yaml']);
    const f = await cli.api().get<ForecastView>('/api/v1/capacity/forecast', { service, environment: o.env, horizon: o.horizon, history: o.history });
    if (format === 'table') forecastTable(cli, f);
    else cli.print(f, format, () => ({ headers: [], rows: [] }));
  });
  common(
    capacity
      .command('plan')
      .description('instances needed at the forecast peak × headroom from one instance’s capacity, against the Rollout’s replicas; exit 1 when they do not fit')
      .argument('<service>')
      .requiredOption('--version <version>', 'the revision whose capacity was measured')
      .option('--headroom <percent>', 'spare capacity over the peak', '30%')
      .option('--per-instance <rps>', 'requests/s one instance serves at the SLO latency')
      .option('--load-result <file>', 'a load result (shipgate.dev/load-result/v1): achievedRps over --instances')
      .option('--instances <n>', 'instances that served the load result', '1'),
  ).action(
    async (
      service: string,
      o: {
        env: string;
        horizon: string;
        history: string;
        output: string;
        version: string;
        headroom: string;
        perInstance?: string;
        loadResult?: string;
        instances: string;
      },
    ) => {
      const format = parseFormat(o.output, ['table', 'json', 'yaml']);
      const headroom = parseHeadroom(o.headroom);
      if ((o.perInstance === undefined) === (o.loadResult === undefined))
        throw new InputError('give the capacity of one instance: --per-instance N or --load-result FILE (with --instances N)', [
          { path: '--per-instance', message: 'exactly one of --per-instance, --load-result' },
        ]);
      const instances = Number(o.instances);
      if (!(Number.isInteger(instances) && instances >= 1))
        throw new InputError(`--instances: "${o.instances}" is not a whole number of 1 or more`, [{ path: '--instances', message: 'expected 1 or more' }]);
      const perInstance = o.perInstance !== undefined ? Number(o.perInstance) : perInstanceFromLoadResult(cli, o.loadResult!, instances);
      if (!(perInstance > 0))
        throw new InputError(`--per-instance: "${o.perInstance}" is not a positive number of requests/s`, [
          { path: '--per-instance', message: 'expected > 0' },
        ]);
      const p = await cli.api().get<PlanView>('/api/v1/capacity/plan', {
        service,
        version: o.version,
        environment: o.env,
        horizon: o.horizon,
        history: o.history,
        headroom,
        perInstance,
      });
      if (format === 'table') cli.out(`${p.fits ? 'fits' : 'DOES NOT FIT'}: ${p.message}`);
      else cli.print(p, format, () => ({ headers: [], rows: [] }));
      if (!p.fits) cli.fail(EXIT.NO);
    },
  );
}
