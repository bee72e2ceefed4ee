/** Real receivers on loopback for the outbox and egress tests: scripted answers, a blackhole, a redirect. */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

export interface Received {
  path: string;
  body: string;
  /** Status this receiver answered. */
  answered: number;
}

export interface ScriptedReceiver {
  url: string;
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/**
 * Answers each request to a path with the next status of `script(path, n)` (n counts from 0 per
 * path); a 3xx carries `Location: redirectTo`.
 */
export async function startScriptedReceiver(script: (path: string, n: number) => number, redirectTo?: string): Promise<ScriptedReceiver> {
  const received: Received[] = [];
  const counts = new Map<string, number>();
  const server: Server = createHttpServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = counts.get(path) ?? 0;
      counts.set(path, n + 1);
      const status = script(path, n);
      received.push({ path, body, answered: status });
      res.writeHead(status, status >= 300 && status < 400 && redirectTo ? { location: `${redirectTo}${path}` } : {}).end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** A TCP server that accepts connections and never answers (a blackholed webhook). */
export async function startBlackhole(): Promise<{ url: string; accepted: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createTcpServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted: () => accepted,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/** Polls `done` every 20 ms for up to `ms`. */
export async function until(done: () => boolean | Promise<boolean>, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
