/**
 * `shipgate contracts can-i-deploy SERVICE --version V --env E`: the contract matrix the server
 * computes from pact evidence and what serves in the environment. Exit 0 deployable, 1 not.
 */
import type { Command } from 'commander';
import { parseFormat, type CliContext } from '../../cli/context';
import { EXIT } from '../../cli/exit-codes';
import { renderTable } from '../../cli/table';
import type { Matrix } from './contract-matrix';

export function contractsCommands(program: Command, cli: CliContext): void {
  const contracts = program.command('contracts').description('API contracts between services: can a revision be deployed next to what serves?');
  contracts
    .command('can-i-deploy')
    .description(
      'exit 0 only when every consumer serving in the environment has a passing pact verification against this revision, and its own pacts pass against every provider serving there; 1 otherwise',
    )
    .argument('<service>')
    .requiredOption('--version <version>', 'the version to deploy')
    .option('--artifact <ref>', 'its artifact reference, exactly as `shipgate release --artifact` gives it (default: none)', '')
    .requiredOption('--env <environment>', 'the environment to deploy to')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (service: string, o: { version: string; artifact: string; env: string; output: string }) => {
      const format = parseFormat(o.output, ['table', 'json', 'yaml']);
      const m = await cli.api().get<Matrix>('/api/v1/contracts/can-i-deploy', { service, version: o.version, artifact: o.artifact, environment: o.env });
      if (format === 'table') {
        cli.out(`${m.verdict === 'pass' ? 'yes' : 'NO'}: ${m.summary}`);
        if (m.rows.length)
          cli.out(
            renderTable(
              ['ROLE', 'SERVICE', 'SERVING', 'STATUS', 'EVIDENCE', 'DETAIL'],
              m.rows.map((r) => [r.role, r.service, r.deployedVersion ?? '-', r.blocking ? r.status.toUpperCase() : r.status, r.evidenceId ?? '-', r.message]),
            ),
          );
        else cli.out(`no contract of ${service} with another service is on record (pact evidence names them)`);
      } else cli.print(m, format, () => ({ headers: [], rows: [] }));
      if (m.verdict !== 'pass') cli.fail(EXIT.NO);
    });
}
