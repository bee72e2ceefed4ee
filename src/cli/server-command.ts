import type { Command } from 'commander';
import type { CliContext } from './context';
import { keepServingWithoutOutput } from './stdio';

/** `shipgate server`: runs the control plane until SIGINT or SIGTERM. */
export function serverCommand(program: Command, cli: CliContext): void {
  program
    .command('server')
    .description('run the Shipgate server (API, executors; SQLite in --data unless DATABASE_URL is set)')
    .option('--listen <host:port>', 'address to listen on (SHIPGATE_LISTEN)', undefined)
    .option('--data <dir>', 'data folder (SHIPGATE_DATA)', undefined)
    .option('--router <host:port>', 'also run the built-in router in this process, serving the managed route table')
    .action(async (o: { listen?: string; data?: string; router?: string }) => {
      keepServingWithoutOutput();
      const { startServer } = await import('../server');
      const s = await startServer({
        listen: o.listen ?? cli.io.env.SHIPGATE_LISTEN,
        dataDir: o.data ?? cli.io.env.SHIPGATE_DATA,
        databaseUrl: cli.io.env.DATABASE_URL,
        router: o.router,
      });
      cli.err(`Shipgate server listening on ${s.url} (store: ${s.ctx.dialect})`);
      if (s.adminTokenFile) cli.err(`bootstrap admin token written to ${s.adminTokenFile} (mode 0600)`);
      if (o.router) cli.err(`router serving on http://${o.router}`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      cli.err('shutting down');
      await s.close();
    });
}
