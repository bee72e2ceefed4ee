import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { CliContext } from '../cli/context';
import { EXIT } from '../cli/exit-codes';
import type { Manifest } from '../core/manifest';
import type { ApplyResult, DiffEntry } from './apply-service';
import { readManifestFiles } from './read-files';

const collect = (v: string, prev: string[]) => [...prev, v];

/** `apply`, `get`, `delete`, `diff`: generic over every registered kind. */
export function resourceCommands(program: Command, cli: CliContext): void {
  const kinds = cli.kinds;
  program
    .command('apply')
    .description('create or update resources from files or folders, all in one transaction (re-applying is a no-op)')
    .requiredOption('-f, --file <path>', 'manifest file or folder (repeatable; - for stdin)', collect, [])
    .option('-o, --output <format>', 'table | json', 'table')
    .action(async (opts: { file: string[]; output: string }) => {
      const files = readManifestFiles(opts.file, cli.io.cwd);
      const { results } = await cli.api().post<{ results: ApplyResult[] }>('/api/v1/apply', { files });
      cli.print(results, opts.output, () => ({
        headers: ['kind', 'name', 'result'],
        rows: results.map((r) => [r.kind, r.name, r.action]),
      }));
    });

  program
    .command('diff')
    .description('show what apply would change; exit 1 when something would change')
    .requiredOption('-f, --file <path>', 'manifest file or folder (repeatable)', collect, [])
    .option('-o, --output <format>', 'text | json', 'text')
    .action(async (opts: { file: string[]; output: string }) => {
      const files = readManifestFiles(opts.file, cli.io.cwd);
      const { changes } = await cli.api().post<{ changes: DiffEntry[] }>('/api/v1/diff', { files });
      if (opts.output === 'json') cli.out(JSON.stringify(changes, null, 2));
      else {
        for (const c of changes) {
          cli.out(`${c.kind}/${c.name}: ${c.action}`);
          for (const l of c.diff) if (!l.startsWith('  ')) cli.out(`  ${l}`);
        }
      }
      if (changes.some((c) => c.action !== 'unchanged')) cli.fail(EXIT.NO);
    });

  program
    .command('get')
    .description('list resources of a kind, or show one')
    .argument('<kind>', 'kind name, e.g. service, environment, routetable')
    .argument('[name]', 'resource name')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (kind: string, name: string | undefined, opts: { output: string }) => {
      const def = kinds.lookup(kind);
      const api = cli.api();
      const items: Manifest[] = name
        ? [(await api.get<{ manifest: Manifest }>(`/api/v1/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`)).manifest]
        : (await api.get<{ items: Manifest[] }>(`/api/v1/resources/${encodeURIComponent(kind)}`)).items;
      const data = name ? items[0] : items;
      if (opts.output === 'yaml') {
        cli.out(name ? stringify(data) : items.map((m) => stringify(m)).join('---\n'));
        return;
      }
      const nameCol = { header: 'name', value: (m: Manifest) => m.metadata.name };
      const own = def.columns ?? [];
      // Every table starts with the name, whether or not the kind lists it.
      const cols = own.some((c) => c.header.toLowerCase() === 'name') ? own : [nameCol, ...own];
      cli.print(data, opts.output, () => ({ headers: cols.map((c) => c.header), rows: items.map((m) => cols.map((c) => c.value(m))) }));
    });

  program
    .command('delete')
    .description('delete one resource')
    .argument('<kind>', 'kind name')
    .argument('<name>', 'resource name')
    .action(async (kind: string, name: string) => {
      const r = await cli.api().delete<{ kind: string; name: string }>(`/api/v1/resources/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`);
      cli.out(`${r.kind}/${r.name} deleted`);
    });
}
