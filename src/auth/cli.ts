import type { Command } from 'commander';
import type { CliContext } from '../cli/context';
import type { TokenInfo } from './token-store';
import type { UserInfo } from './users';

export function tokenCommands(program: Command, cli: CliContext): void {
  const token = program.command('token').description('API tokens (admin)');
  token
    .command('create')
    .description('create a token for a user; it is printed once and stored only as a hash')
    .requiredOption('--role <role>', 'viewer | deployer | approver | oncall | admin | sdk | router | metrics')
    .option('--user <name>', 'the user the token belongs to (shipgate user create NAME first); required for deployer, approver, oncall and admin')
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

  const user = program.command('user').description('users that tokens belong to (admin)');
  user
    .command('create')
    .description('create a user; segregation of duties counts users, whichever token they use')
    .argument('<name>', 'e.g. alice or alice@example.com (no spaces or ":"; system names are reserved)')
    .option('--display-name <text>', 'the name people see')
    .option('-o, --output <format>', 'text | json', 'text')
    .action(async (name: string, o: { displayName?: string; output: string }) => {
      const u = await cli.api().post<UserInfo>('/api/v1/users', { name, displayName: o.displayName });
      if (o.output === 'json') cli.out(JSON.stringify(u, null, 2));
      else cli.out(`user ${u.name} created; give them a token with: shipgate token create --user ${u.name} --role ROLE`);
    });
  user
    .command('list')
    .description('list users')
    .option('-o, --output <format>', 'table | json | yaml', 'table')
    .action(async (o: { output: string }) => {
      const { items } = await cli.api().get<{ items: UserInfo[] }>('/api/v1/users');
      cli.print(items, o.output, () => ({
        headers: ['name', 'display name', 'created', 'created by', 'disabled'],
        rows: items.map((u) => [u.name, u.displayName, u.createdAt, u.createdBy, u.disabledAt]),
      }));
    });
  user
    .command('disable')
    .description('disable a user: every token of theirs stops working at once')
    .argument('<name>')
    .action(async (name: string) => {
      await cli.api().post(`/api/v1/users/${encodeURIComponent(name)}/disable`, {});
      cli.out(`user ${name} disabled; their tokens no longer work`);
    });
}
