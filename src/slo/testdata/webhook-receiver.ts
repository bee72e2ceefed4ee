import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP receiver on loopback that records JSON bodies by path (a test double for Alertmanager/Slack receivers). */
export async function startReceiver(): Promise<{ url: string; received: { path: string; body: any }[]; close(): Promise<void> }> {
  const received: { path: string; body: any }[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      try {
        received.push({ path: req.url ?? '/', body: JSON.parse(text) });
        res.writeHead(200).end('ok');
      } catch {
        res.writeHead(400).end('bad json');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}
