/**
 * An upstream of known capacity for overload tests and benchmarks: it serves at most `capacity`
 * requests at once, each in `serviceMs`, and queues the rest (FIFO, unbounded), as an overloaded
 * server with a fixed worker pool does. Its throughput is capacity / serviceMs; beyond that only
 * its queue, and so its latency, grows.
 *
 * Run as a script it listens on 127.0.0.1 and prints {"port": N}:
 *   node --import tsx src/router/testing/capacity-upstream.ts CAPACITY SERVICE_MS
 */
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export interface CapacityUpstream {
  url: string;
  port: number;
  /** Most requests served at once so far (never above capacity). */
  maxActive(): number;
  served(): number;
  close(): Promise<void>;
}

export function capacityServer(capacity: number, serviceMs: number): { server: http.Server; maxActive: () => number; served: () => number } {
  let active = 0;
  let maxActive = 0;
  let served = 0;
  const waiting: http.ServerResponse[] = [];
  const start = (res: http.ServerResponse) => {
    active++;
    if (active > maxActive) maxActive = active;
    setTimeout(() => {
      served++;
      if (!res.destroyed) res.end('{"ok":true}');
      active--;
      const next = waiting.shift();
      if (next) start(next);
    }, serviceMs);
  };
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    req.resume();
    res.setHeader('content-type', 'application/json');
    if (active < capacity) start(res);
    else waiting.push(res);
  });
  return { server, maxActive: () => maxActive, served: () => served };
}

/** Starts one in this process on 127.0.0.1. */
export async function startCapacityUpstream(capacity: number, serviceMs: number): Promise<CapacityUpstream> {
  const s = capacityServer(capacity, serviceMs);
  await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', () => r()));
  const port = (s.server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    maxActive: s.maxActive,
    served: s.served,
    close: () =>
      new Promise<void>((r) => {
        s.server.closeAllConnections();
        s.server.close(() => r());
      }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const s = capacityServer(Number(process.argv[2]), Number(process.argv[3]));
  s.server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: (s.server.address() as { port: number }).port }) + '\n'));
}
