import { Command, CommanderError } from 'commander';
import { CliContext, type CliIo } from './context';
import { CliError, EXIT } from './exit-codes';
import { isDomainError, formatIssue, InputError } from '../core/errors';
import { assemble } from '../core/assemble';
import { capabilities } from '../capabilities';
import { serverCommand } from './server-command';
import { demoCommand } from '../demo/demo-command';
import { guardStdio } from './stdio';

export const EXIT_CODES_HELP = `
Exit codes (every command):
  0  ok; for gates and verdicts: the answer is yes
  1  the answer is "no": a gate blocked, a verification failed, a release was rolled back, diff found changes
  2  usage or input error (the message names the file, line and field at fault)
  3  the server could not be reached
  4  undecided (e.g. an inconclusive verdict)

Environment: SHIPGATE_SERVER (default http://127.0.0.1:7070), SHIPGATE_TOKEN,
SHIPGATE_DATA (server data folder; its admin.token is used when no token is given),
SHIPGATE_LISTEN, DATABASE_URL (postgres://… to use PostgreSQL).
`;

const defaultIo = (): CliIo => {
  guardStdio();
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
  };
};

/** Builds the `shipgate` program with every capability's commands. */
export function buildProgram(io: CliIo): { program: Command; cli: CliContext } {
  const program = new Command('shipgate');
  const { kinds } = assemble(capabilities);
  const cli = new CliContext(io, program, kinds);
  program
    .description('Shipgate: may this ship? SLO gates, progressive delivery, canary analysis, flags and change governance')
    .option('--server <url>', 'Shipgate server URL (SHIPGATE_SERVER)')
    .option('--token <token>', 'API token (SHIPGATE_TOKEN)')
    .showHelpAfterError('(run `shipgate help` for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .addHelpText('after', EXIT_CODES_HELP);
  serverCommand(program, cli);
  for (const c of capabilities) c.cli?.(program, cli);
  // The demo runs the whole product (server, router, releases): its own entry, no capability's.
  demoCommand(program, cli);
  for (const sub of program.commands) {
    sub.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
    for (const subsub of sub.commands) subsub.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  }
  return { program, cli };
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const { program, cli } = buildProgram(io);
  if (argv.length === 0) argv = ['help'];
  try {
    await program.parseAsync(argv, { from: 'user' });
    return cli.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    if (e instanceof CliError) {
      io.stderr(`error: ${e.message}\n`);
      return e.exitCode;
    }
    if (isDomainError(e)) {
      const issues = e instanceof InputError ? e.issues : [];
      io.stderr(`error: ${e.message}\n${issues.map((i) => `  ${formatIssue(i)}\n`).join('')}`);
      return EXIT.USAGE;
    }
    io.stderr(`error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.USAGE;
  }
}
