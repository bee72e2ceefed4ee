import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import type { TokenInfo } from './token-store';

export function tokenCommands(program: Command, cli: CliContext): void {
  const token = program.command('token').description('API tokens (admin)');
  token
    .command('create')
    .description('create a token; it is printed once and stored only as a hash')
    .requiredOption('--role <role>', 'viewer | deployer | approver | oncall | admin | sdk | router')
    .option('--user <name>', 'the person or system the token belongs to (used for approvals and segregation of duties)')
    .option('--env <environment>', 'for sdk tokens: the environment whose flags it sees')
    .option('--description <text>', 'what the token is for')
    .option('-o, --output <format>', 'text | json', 'text')
    .action(async (o: { role: string; user?: string; env?: string; description?: string; output: string }) => {
      const r = await cli.api().post<{ token: string; info: TokenInfo }>('/api/v1/tokens', {
        role: o.role,
        user: o.user,
        environment: o.env,
        description: o.description,
      });
      if (o.output === 'json') cli.out(JSON.stringify(r, null, 2));
      else {
        cli.out(r.token);
        cli.err(`token ${r.info.id} for ${r.info.user} (role ${r.info.role}) created; it is not shown again`);
      }
    });
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (o: { output: string }) => {
      const { items } = await cli.api().get<{ items: TokenInfo[] }>('/api/v1/tokens');
      cli.print(items, o.output, () => ({
        headers: ['id', 'user', 'role', 'environment', 'created', 'revoked'],
        rows: items.map((t) => [t.id, t.user, t.role, t.environment, t.createdAt, t.revokedAt]),
      }));
    });
  token
    .command('revoke')
    .description('revoke a token')
    .argument('<id>')
    .action(async (id: string) => {
      await cli.api().delete(`/api/v1/tokens/${encodeURIComponent(id)}`);
      cli.out(`token ${id} revoked`);
    });
}
