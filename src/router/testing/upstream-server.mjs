// A small upstream for router tests and benchmarks, run as its own process:
//   node upstream-server.mjs VERSION [PORT]
// Prints {"port":N} on stdout once listening. Endpoints:
//   /healthz                  200, or 503 after POST /_ctl/unhealthy (POST /_ctl/healthy restores)
//   /status/CODE              answers CODE
//   /slow/MS                  answers after MS milliseconds
//   /stream/N                 N chunks of 1 KB, 5 ms apart
//   anything else             200 {"version","port","path","method","headers"}
// WebSocket upgrades on any path echo text frames back prefixed with the version.
import http from 'node:http';
import { WebSocketServer } from 'ws';

const version = process.argv[2] ?? 'v1';
const wantPort = Number(process.argv[3] ?? 0);
let healthy = true;
let port = 0;

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/healthz') {
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' });
    return res.end(healthy ? 'ok' : 'unhealthy');
  }
  if (url === '/_ctl/unhealthy' || url === '/_ctl/healthy') {
    healthy = url === '/_ctl/healthy';
    res.writeHead(204);
    return res.end();
  }
  if (url === '/plain') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
    return res.end('ok');
  }
  let m = /^\/status\/(\d{3})/.exec(url);
  if (m) {
    res.writeHead(Number(m[1]), { 'content-type': 'application/json', 'x-upstream-version': version });
    return res.end(JSON.stringify({ version, port }));
  }
  m = /^\/slow\/(\d+)/.exec(url);
  if (m) {
    const t = setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream-version': version });
      res.end(JSON.stringify({ version, port, slow: Number(m[1]) }));
    }, Number(m[1]));
    res.on('close', () => clearTimeout(t));
    return;
  }
  m = /^\/stream\/(\d+)/.exec(url);
  if (m) {
    let left = Number(m[1]);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-upstream-version': version });
    const chunk = Buffer.alloc(1024, 97);
    const tick = () => {
      if (left-- <= 0) return res.end();
      res.write(chunk);
      setTimeout(tick, 5);
    };
    return tick();
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({ version, port, path: url, method: req.method, headers: req.headers, bodyBytes: Buffer.concat(chunks).length });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-upstream-version': version });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', (data) => ws.send(`${version}:${data.toString()}`));
  });
});

server.listen(wantPort, '127.0.0.1', () => {
  port = server.address().port;
  process.stdout.write(JSON.stringify({ port }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
