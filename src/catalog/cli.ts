import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import { parseFormat } from '../cli/context';
import { EXIT } from '../cli/exit-codes';
import type { SpofReport } from './spof';
import type { BlastRadius } from './blast-radius';
import type { AvailabilityReport } from './availability';
import type { DriftReport } from './drift';
import { EXPORT_FORMATS } from './graph-export';
import { availabilitySummary, availabilityTable, blastRadiusTable, cycleLines, driftTable, spofTable } from './graph-tables';

const OUTPUT_HELP = 'table | json | yaml';

/** `shipgate graph …`: analyses of the service catalog's dependency graph. */
export function graphCommands(program: Command, cli: CliContext): void {
  const graph = program
    .command('graph')
    .description('analyse the service dependency graph: single points of failure, blast radius, availability, drift, export');
  const path = (s: string) => encodeURIComponent(s);

  graph
    .command('spof')
    .description('single points of failure: cut vertices of the hard-dependency graph, hard dependencies without a fallback or with one instance in --env')
    .option('--env <environment>', 'read instance counts from this environment')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (o: { env?: string; output: string }) => {
      const table = isTable(o.output);
      const r = await cli.api().get<SpofReport>('/api/v1/graph/spof', { env: o.env });
      cli.print(r, o.output, () => spofTable(r));
      if (table) notes(cli, r.cycles, r.undeclared);
    });

  graph
    .command('blast-radius')
    .description('every service that transitively depends on SERVICE, with the path: hard (fails with it) or soft (degrades)')
    .argument('<service>', 'service name')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (service: string, o: { output: string }) => {
      const table = isTable(o.output);
      const r = await cli.api().get<BlastRadius>(`/api/v1/graph/blast-radius/${path(service)}`);
      if (table) {
        cli.out(`${service}: ${r.hard.length} services fail with it (hard), ${r.soft.length} degrade (soft)`);
      }
      cli.print(r, o.output, () => blastRadiusTable(r));
    });

  graph
    .command('availability')
    .description(
      'composite availability of SERVICE from its dependencies (hard and soft without a fallback multiply, each service once; instances combine as 1-(1-a)^n) vs its own sla; exit 1 when below, 4 when undecided (no sla)',
    )
    .argument('<service>', 'service name')
    .option('--env <environment>', 'read instance counts from this environment')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (service: string, o: { env?: string; output: string }) => {
      const table = isTable(o.output);
      const r = await cli.api().get<AvailabilityReport>(`/api/v1/graph/availability/${path(service)}`, { env: o.env });
      if (table) {
        cli.out(availabilitySummary(r));
        for (const e of r.excluded) cli.out(`not counted: ${e.from} ~> ${e.to} (soft, fallback: ${e.fallback})`);
      }
      cli.print(r, o.output, () => availabilityTable(r));
      if (table) notes(cli, r.cycles, []);
      if (r.verdict === 'below') cli.fail(EXIT.NO);
      else if (r.verdict === 'undecided') cli.fail(EXIT.UNDECIDED);
    });

  graph
    .command('drift')
    .description('services whose version or config hash differs between environments')
    .option('--envs <list>', 'environments to compare, comma-separated (default: all)')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action(async (o: { envs?: string; output: string }) => {
      const table = isTable(o.output);
      const r = await cli.api().get<DriftReport>('/api/v1/graph/drift', { envs: o.envs });
      cli.print(r, o.output, () => driftTable(r));
      if (table) {
        cli.out(`${r.drift.length} of ${r.compared} services drift across ${r.environments.join(', ') || '(no environments)'}`);
      }
    });

  graph
    .command('export')
    .description('write the dependency graph as Graphviz dot or Mermaid (hard edges solid, soft dashed)')
    .option('-o, --output <format>', EXPORT_FORMATS.join(' | '), 'dot')
    .action(async (o: { output: string }) => {
      const format = parseFormat(o.output, EXPORT_FORMATS);
      const text = await cli.api().get<string>('/api/v1/graph/export', { format });
      cli.out(text);
    });
}

/** Checks `-o` before any request is made; true for the human table. */
function isTable(output: string): boolean {
  return parseFormat(output, ['table', 'json', 'yaml']) === 'table';
}

function notes(cli: CliContext, cycles: SpofReport['cycles'], undeclared: SpofReport['undeclared']): void {
  for (const line of cycleLines(cycles)) cli.out(line);
  for (const u of undeclared) cli.out(`undeclared: ${u.service} (named by ${u.dependents.join(', ')})`);
}
