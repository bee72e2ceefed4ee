// http-proxy-3 in front of one upstream, with a keep-alive agent: `node --import tsx bench/router/http-proxy-server.ts UPSTREAM_URL PORT`.
import http from 'node:http';
import { createProxyServer } from 'http-proxy-3';

const [target, port] = [process.argv[2], Number(process.argv[3])];
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = createProxyServer({ target, agent });
proxy.on('error', (_e, _req, res) => {
  const r = res as http.ServerResponse;
  if (!r.headersSent) r.writeHead(502);
  r.end();
});
http.createServer((req, res) => proxy.web(req, res)).listen(port, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port }) + '\n'));
