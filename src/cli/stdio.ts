/**
 * What happens when the reader of the CLI's output goes away (EPIPE: `| head`, a log shipper that
 * restarts, `| tee` killed). A command stops quietly, as Unix tools do. `shipgate server` and
 * `shipgate router` call `keepServingWithoutOutput()`: they go on serving and their log lines are
 * dropped, so a lost terminal or log pipe never takes traffic down.
 */
let keepServing = false;
let guarded = false;

export function keepServingWithoutOutput(): void {
  keepServing = true;
}

/** Listens for errors on the process's stdout and stderr (once per process). */
export function guardStdio(): void {
  if (guarded) return;
  guarded = true;
  process.stderr.on('error', () => {});
  process.stdout.on('error', () => {
    if (!keepServing) process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}
