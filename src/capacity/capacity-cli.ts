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
import { parseDurationMs } from '../core/duration';
import type { ForecastView, PlanView } from './capacity-service';
import { MAX_LOAD_CONNECTIONS, runPoolLoad } from './pool-load';
import type { PoolsView } from './pool-service';
import type { MemoryView } from './memory-watch';

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
  capacity
    .command('pools')
    .description(
      "each database's connection pools in ENV (Service spec.databases × instances, at steady state and at each release's peak) against its real max_connections; exit 1 when a release would not fit or a database cannot be read. --load opens a database's peak connections against it and queries on each",
    )
    .argument('<environment>')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .option('--load', 'open the peak connections of --database against --url and query on each for --duration')
    .option('--database <name>', 'the Database to load (with --load)')
    .option('--url <postgres-url>', 'where to connect for --load (you hold its credentials; default $SHIPGATE_POOL_LOAD_URL)')
    .option('--connections <n>', 'connections to open instead of the largest release peak')
    .option('--duration <duration>', 'how long each connection queries', '10s')
    .option('--query <sql>', 'the query each connection runs in a loop', 'SELECT 1')
    .action(
      async (
        environment: string,
        o: { output: string; load?: boolean; database?: string; url?: string; connections?: string; duration: string; query: string },
      ) => {
        const format = parseFormat(o.output, ['table', 'json', 'yaml']);
        const bad = (path: string, message: string): never => {
          throw new InputError(`${path}: ${message}`, [{ path, message }]);
        };
        let durationMs = 0;
        const url = o.url ?? process.env.SHIPGATE_POOL_LOAD_URL;
        if (o.load) {
          if (!o.database) bad('--database', 'name the Database to load');
          if (!url) bad('--url', 'give the postgres:// URL to connect to (or set SHIPGATE_POOL_LOAD_URL)');
          if (!/^postgres(ql)?:\/\//.test(url!)) bad('--url', 'expected a postgres:// URL');
          try {
            durationMs = parseDurationMs(o.duration);
          } catch (e) {
            bad('--duration', (e as Error).message);
          }
          if (!(durationMs >= 100 && durationMs <= 600_000)) bad('--duration', 'from 100ms to 10m');
          if (o.connections !== undefined && !(/^\d+$/.test(o.connections) && Number(o.connections) >= 1 && Number(o.connections) <= MAX_LOAD_CONNECTIONS))
            bad('--connections', `a whole number from 1 to ${MAX_LOAD_CONNECTIONS}`);
        }
        const v = await cli.api().get<PoolsView>('/api/v1/capacity/pools', { environment });
        if (!o.load) {
          if (format === 'table') poolsTable(cli, v);
          else cli.print(v, format, () => ({ headers: [], rows: [] }));
          if (!v.fits) cli.fail(EXIT.NO);
          return;
        }
        const d = v.databases.find((x) => x.database === o.database);
        if (!d && o.connections === undefined)
          bad(
            '--database',
            `no client of ${o.database} in ${environment} declares a pool; known: ${v.databases.map((x) => x.database).join(', ') || '(none)'} (or give --connections)`,
          );
        const peak = d ? Math.max(...d.clients.map((c) => d.clients.reduce((n, x) => n + x.pool * (x === c ? x.peakReplicas : x.replicas), 0))) : 0;
        const connections = o.connections !== undefined ? Number(o.connections) : Math.min(peak, MAX_LOAD_CONNECTIONS);
        const r = await runPoolLoad({
          url: url!,
          connections,
          durationMs,
          query: o.query,
          onProgress: cli.io.isTTY ? (opened) => cli.err(`pools --load: ${opened}/${connections} connections open`) : undefined,
        });
        const ok = r.connections.refused === 0 && r.errors === 0;
        if (format === 'table') {
          cli.out(
            `${ok ? 'held' : 'DID NOT HOLD'}: ${r.connections.opened}/${connections} connections to ${o.database} (${d ? `the largest release peak of its pools, ${peak}` : 'as asked'}); ` +
              `${r.queries} queries in ${(r.durationMs / 1000).toFixed(1)}s (${r.queriesPerSecond.toFixed(0)}/s), p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, ${r.errors} errors`,
          );
          for (const [m, n] of Object.entries(r.refusals)) cli.out(`  refused ${n}: ${m}`);
        } else cli.print({ database: o.database, environment, peak, ...r, held: ok }, format, () => ({ headers: [], rows: [] }));
        if (!ok) cli.fail(EXIT.NO);
      },
    );
  capacity
    .command('memory')
    .description(
      "resident memory of the service's latest revisions (sampled from its instances) and whether its floor rises after the deploy; exit 1 when a revision that still runs leaks",
    )
    .argument('<service>')
    .option('--env <environment>', 'the environment', 'production')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (service: string, o: { env: string; output: string }) => {
      const format = parseFormat(o.output, ['table', 'json', 'yaml']);
      const v = await cli.api().get<MemoryView>('/api/v1/capacity/memory', { service, environment: o.env });
      const mb = (b: number | null | undefined) => (b === null || b === undefined || !Number.isFinite(b) ? '-' : (b / 1048576).toFixed(1));
      if (format === 'table') {
        if (!v.revisions.length) cli.out(`no memory samples of ${service} in ${o.env} yet (process-target instances are sampled while they run)`);
        else
          cli.out(
            renderTable(
              ['REVISION', 'RUNS', 'INSTANCES', 'RSS MB', 'SLOPE MB/MIN', 'LEAK', 'WHY'],
              v.revisions.map((r) => [
                r.revision,
                r.live ? 'yes' : 'no',
                String(r.instances.length),
                r.instances.map((i) => mb(i.lastBytes)).join(','),
                mb(r.slopeBytesPerMinute),
                r.finding ? 'FINDING' : r.leak ? 'YES' : 'no',
                r.reason,
              ]),
            ),
          );
        for (const r of v.revisions.filter((x) => x.finding))
          cli.out(`finding on ${r.revision} at ${new Date(r.finding!.detectedAtMs).toISOString()}: ${r.finding!.message}`);
      } else cli.print(v, format, () => ({ headers: [], rows: [] }));
      if (v.revisions.some((r) => r.live && (r.leak || r.finding))) cli.fail(EXIT.NO);
    });
}

function poolsTable(cli: CliContext, v: PoolsView): void {
  if (!v.databases.length) cli.out(`no Service declares a connection pool to a Database in ${v.environment}`);
  for (const d of v.databases) {
    if (d.error) {
      cli.out(`${d.database}: UNREADABLE: ${d.error}`);
      continue;
    }
    const inUse = d.limits!.inUse.reduce((n, u) => n + u.connections, 0);
    cli.out(
      `${d.database}: ${d.fits ? 'fits' : 'DOES NOT FIT'}; usable ${d.usable} = ${d.usableArithmetic}; in use now ${inUse} (${d.pooled} by declared pools, ${d.others} by others); steady ${d.steady}`,
    );
    cli.out(
      renderTable(
        ['RELEASE OF', 'POOL', 'REPLICAS', 'PEAK', 'CONNECTIONS', 'FITS', 'ARITHMETIC'],
        d.releases!.map((r) => {
          const c = d.clients.find((x) => x.service === r.service)!;
          return [r.service, String(c.pool), String(c.replicas), `${c.peakReplicas} (${c.strategy})`, String(r.total), r.fits ? 'yes' : 'NO', r.arithmetic];
        }),
      ),
    );
  }
  for (const n of v.notCounted) cli.out(`not counted: ${n.service} → ${n.database}: ${n.reason}`);
}
