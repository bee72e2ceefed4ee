/**
 * Starts a Shipgate server (SQLite in a temporary folder) in its own process for the propagation
 * benchmark, prints `{"url","token"}` on one line, and runs until stdin closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/server';

const dataDir = mkdtempSync(join(tmpdir(), 'shipgate-bench-server-'));
// Every provider of the benchmark shares one sdk token: lift the per-token stream cap (default 8).
const server = await startServer({ listen: '127.0.0.1:0', dataDir, logLevel: 'silent', options: { sse: { maxStreamsPerToken: 4096 } } });
process.stdout.write(JSON.stringify({ url: server.url, token: server.adminToken }) + '\n');
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
