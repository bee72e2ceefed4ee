/** `shipgate env parity A B`: how two environments differ, and whether a Rollout's parity rules hold. Exit 0 they hold, 1 not. */
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../../cli/context';
import { EXIT } from '../../cli/exit-codes';
import { renderTable } from '../../cli/table';
import type { ParityReport } from './parity';

export function parityCommands(program: Command, cli: CliContext): void {
  const env = program.command('env').description('environments: how the one releases are tested in mirrors the one users are on');
  env
    .command('parity')
    .description(
      "compare two environments (services, versions, redundancy, dependencies, config keys, route settings); exit 1 when a difference breaks a Rollout's spec.parity rules",
    )
    .argument('<a>', 'e.g. staging')
    .argument('<b>', 'e.g. production')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (a: string, b: string, o: { output: string }) => {
      const format = parseFormat(o.output, ['table', 'json', 'yaml']);
      const r = await cli.api().get<ParityReport>('/api/v1/environments/parity', { a, b });
      if (format !== 'table') cli.print(r, format, () => ({ headers: [], rows: [] }));
      else {
        cli.out(`${r.services} service(s) in ${a} or ${b}: ${r.differences.length} difference(s)`);
        if (r.differences.length)
          cli.out(
            renderTable(
              ['SERVICE', 'ASPECT', a.toUpperCase(), b.toUpperCase(), 'WHAT'],
              r.differences.map((d) => [d.service, d.aspect, d.a, d.b, d.message]),
            ),
          );
        for (const rule of r.rules)
          cli.out(
            rule.violations.length
              ? `FAIL Rollout ${rule.rollout} (${rule.service} in ${rule.environment}) requires parity with ${rule.against} in ${rule.require.join(', ')}: ${rule.violations.map((v) => v.message).join('; ')}`
              : `ok   Rollout ${rule.rollout} (${rule.service} in ${rule.environment}): parity with ${rule.against} in ${rule.require.join(', ')}`,
          );
        if (!r.rules.length) cli.out(`no Rollout sets spec.parity between ${a} and ${b}: nothing is required`);
      }
      if (r.verdict === 'fail') cli.fail(EXIT.NO);
    });
}
