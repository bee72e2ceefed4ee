import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { parseFormat } from '../cli/context';
import { CliError, EXIT } from '../cli/exit-codes';
import { humanDurationMs } from '../core/duration';
import { gateJunit, gateMarkdown, gateTable, type GateResult } from './gate-report';
import type { SloStatus } from './slo-evaluation';
import { importSloth, SLOTH_PERIOD } from './sloth-import';
import { toOpenSloYaml } from './openslo/openslo-documents';
import { OPENSLO_API_VERSION } from './openslo/openslo-schema';

interface Entry {
  name: string;
  status?: SloStatus;
  error?: string;
}

const pct = (x: number | null) => (x === null || Number.isNaN(x) ? 'n/a' : Number.isFinite(x) ? `${(x * 100).toFixed(3)}%` : x > 0 ? '∞' : '-∞');
const num = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(2));

function statusRows(items: Entry[]): unknown[][] {
  const rows: unknown[][] = [];
  for (const e of items) {
    if (!e.status) {
      rows.push([e.name, '-', '-', '-', '-', '-', '-', '-', '-', `error: ${e.error}`]);
      continue;
    }
    for (const o of e.status.objectives) {
      const firing = o.alerts.filter((a) => a.firing).map((a) => `${a.severity}:${a.name}`);
      const held = o.alerts.filter((a) => a.heldUntilMs).map((a) => `${a.name} held (deploy grace)`);
      rows.push([
        e.name,
        o.objective,
        pct(o.sli),
        pct(o.target),
        o.attained === null ? 'no data' : o.attained ? 'yes' : 'no',
        `${+o.budgetConsumed.toFixed(3)}/${+o.budgetTotal.toFixed(3)} ${o.unit}`,
        pct(o.budgetRemaining),
        Object.entries(o.burnRates)
          .map(([w, b]) => `${w}=${num(b)}`)
          .join(' '),
        o.timeToExhaustionMs === null ? 'never' : humanDurationMs(o.timeToExhaustionMs),
        [...firing, ...held].join(', ') || '-',
      ]);
    }
  }
  return rows;
}

/** `slo status|explain|export`, `import sloth`, `gate`, and `get slo NAME -o openslo`. */
/** `shipgate observe export S`: the service's SLOs as Prometheus rules and a Grafana dashboard. */
function observeCommands(program: Command, cli: CliContext): void {
  const observe = program.command('observe').description('observability the SLOs imply, for the monitoring you run');
  observe
    .command('export')
    .description(
      "write the service's SLOs as Prometheus recording and multi-window burn-rate alerting rules (the windows Shipgate evaluates) and a Grafana dashboard of its routes per version",
    )
    .argument('<service>')
    .option('--out <dir>', 'write <service>.rules.yaml and <service>.dashboard.json there (default: the rules to stdout)')
    .action(async (service: string, o: { out?: string }) => {
      const r = await cli
        .api()
        .get<{ rules: string; groups: number; dashboard: unknown; unsupported: { slo: string; reason: string }[] }>(
          `/api/v1/observe/${encodeURIComponent(service)}/export`,
        );
      for (const u of r.unsupported) cli.err(`warning: SLO ${u.slo} is not exported: ${u.reason}`);
      if (o.out) {
        const dir = cli.path(o.out);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${service}.rules.yaml`), r.rules);
        writeFileSync(join(dir, `${service}.dashboard.json`), `${JSON.stringify(r.dashboard, null, 2)}\n`);
        cli.out(`wrote ${join(o.out, `${service}.rules.yaml`)} (${r.groups} rule group(s)) and ${join(o.out, `${service}.dashboard.json`)}`);
      } else cli.out(r.rules);
      if (r.groups === 0) cli.fail(EXIT.NO);
    });
}

export function sloCommands(program: Command, cli: CliContext): void {
  observeCommands(program, cli);
  const slo = program.command('slo').description('SLOs: status, error budgets, burn rates, alerts, explanations');

  slo
    .command('status')
    .description('SLI, target, attainment, error budget, burn rate per window, time to exhaustion and firing alerts')
    .argument('[name]', 'SLO name (all when omitted)')
    .option('--at <time>', 'evaluate as of a past moment (ISO-8601 or unix seconds)')
    .option('-o, --output <format>', 'table | json', 'table')
    .action(async (name: string | undefined, o: { at?: string; output: string }) => {
      parseFormat(o.output, ['table', 'json']);
      const api = cli.api();
      const items: Entry[] = name
        ? [await api.get<Entry>(`/api/v1/slo/status/${encodeURIComponent(name)}`, { at: o.at })]
        : (await api.get<{ items: Entry[] }>('/api/v1/slo/status', { at: o.at })).items;
      cli.print(name ? items[0] : items, o.output, () => ({
        headers: ['slo', 'objective', 'sli', 'target', 'attained', 'budget spent', 'budget left', 'burn rates', 'exhausted in', 'alerts'],
        rows: statusRows(items),
      }));
      if (items.some((e) => e.error)) cli.fail(EXIT.UNDECIDED);
    });

  slo
    .command('explain')
    .description('how the SLI is computed, from which data, over which window, with which exclusions (for auditors)')
    .argument('<name>', 'SLO name')
    .option('--at <time>', 'window as of this moment')
    .action(async (name: string, o: { at?: string }) => {
      const r = await cli.api().get<{ text: string }>(`/api/v1/slo/explain/${encodeURIComponent(name)}`, { at: o.at });
      cli.out(r.text);
    });

  slo
    .command('export')
    .description('the SLO as an OpenSLO document (with --inline, its SLI, policies, conditions and targets inlined)')
    .argument('<name>', 'SLO name')
    .option('--inline', "inline referenced objects, as go-sdk's ReferenceInliner does")
    .action(async (name: string, o: { inline?: boolean }) => {
      const r = await cli.api().get<{ yaml: string }>(`/api/v1/slo/export/${encodeURIComponent(name)}`, { inline: o.inline ? 'true' : undefined });
      cli.out(r.yaml.trimEnd());
    });

  const imp = program.commands.find((c) => c.name() === 'import') ?? program.command('import').description('import resources from other tools');
  imp
    .command('sloth')
    .description('convert a Sloth spec (version prometheus/v1) into OpenSLO SLOs and apply them')
    .argument('<file>', 'Sloth YAML file')
    .option('--period <duration>', "SLO period (Sloth's default is 30d)", SLOTH_PERIOD)
    .option('--dry-run', 'print the OpenSLO YAML instead of applying it (no server needed)')
    .action(async (file: string, o: { period: string; dryRun?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(cli.path(file), 'utf8');
      } catch (e) {
        throw new CliError(EXIT.USAGE, `cannot read ${file}: ${(e as Error).message}`);
      }
      const slos = importSloth(text, file, o.period);
      // One document per SLO (`---`): what `shipgate apply` reads.
      const yaml = slos.map((x) => toOpenSloYaml(x)).join('---\n');
      if (o.dryRun) {
        cli.out(yaml.trimEnd());
        return;
      }
      const r = await cli
        .api()
        .post<{ results: { kind: string; name: string; action: string }[] }>('/api/v1/apply', { files: [{ name: `${file} (imported)`, content: yaml }] });
      for (const x of r.results) cli.out(`${x.kind}/${x.name} ${x.action}`);
    });

  program
    .command('gate')
    .description(
      'may SERVICE ship now? Its SLOs and the user-facing SLOs of services depending on it, through the error budget policies. Exit 0 allow, 1 blocked or approval required, 2 error',
    )
    .argument('<service>', 'service name')
    .option('--env <environment>', 'environment')
    .option('--change-type <type>', 'change type (emergency and security changes pass a freeze)')
    .option('--at <time>', 'evaluate as of a past moment')
    .option('-o, --output <format>', 'table | json | junit | markdown', 'table')
    .action(async (service: string, o: { env?: string; changeType?: string; at?: string; output: string }) => {
      const format = parseFormat(o.output, ['table', 'json', 'junit', 'markdown']);
      let r: GateResult;
      try {
        r = await cli.api().get<GateResult>('/api/v1/slo/gate', { service, environment: o.env, changeType: o.changeType, at: o.at });
      } catch (e) {
        throw new CliError(EXIT.USAGE, `gate could not decide: ${(e as Error).message}`);
      }
      const text = format === 'json' ? JSON.stringify(r, null, 2) : format === 'junit' ? gateJunit(r) : format === 'markdown' ? gateMarkdown(r) : gateTable(r);
      cli.out(text);
      if (r.decision === 'error') cli.fail(EXIT.USAGE);
      else if (r.decision !== 'allow') cli.fail(EXIT.NO);
    });

  // `get slo NAME -o openslo`: OpenSLO documents are stored as written, so their YAML is the export.
  const get = program.commands.find((c) => c.name() === 'get');
  get?.hook('preAction', (_this, action) => {
    const opts = action.opts<{ output?: string }>();
    if (opts.output !== 'openslo') return;
    const def = cli.kinds.lookup(String(action.args[0]));
    if (def.apiVersion !== OPENSLO_API_VERSION)
      throw new CliError(EXIT.USAGE, `-o openslo is for OpenSLO kinds (slo, sli, datasource, alertpolicy…), not ${def.kind}`);
    action.setOptionValue('output', 'yaml');
  });
}
