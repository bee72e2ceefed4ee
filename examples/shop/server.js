#!/usr/bin/env node
// The demo service. Its version (SHIPGATE_VERSION) decides how it behaves:
//   v1, v2: healthy, about 5-25 ms per request;
//   v3: 5% of requests fail with 500 and every request is 150 ms slower.
// Overrides (a revision's config can set them): SHOP_ERROR_RATE (0..1), SHOP_EXTRA_LATENCY_MS,
// SHOP_FAIL_HEALTH=1 (never ready), SHOP_FAIL_HEALTH_AFTER_MS (ready, then unhealthy after that
// long), SHOP_CRASH_AFTER_MS (exits with code 1 after that long), SHOP_LEAK_KB_PER_S (keeps that
// much more memory every second: a leak).
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const version = process.env.SHIPGATE_VERSION ?? 'v1';
const major = /^v?(\d+)/.exec(version)?.[1] ?? '1';
const bad = major === '3';
const errorRate = process.env.SHOP_ERROR_RATE !== undefined ? Number(process.env.SHOP_ERROR_RATE) : bad ? 0.05 : 0;
const extraLatencyMs = process.env.SHOP_EXTRA_LATENCY_MS !== undefined ? Number(process.env.SHOP_EXTRA_LATENCY_MS) : bad ? 150 : 0;
const startedAt = Date.now();
const failHealthAfterMs = Number(process.env.SHOP_FAIL_HEALTH_AFTER_MS ?? 0);
const failHealthNow = () => process.env.SHOP_FAIL_HEALTH === '1' || (failHealthAfterMs > 0 && Date.now() - startedAt >= failHealthAfterMs);
const crashAfterMs = Number(process.env.SHOP_CRASH_AFTER_MS ?? 0);

const products = [
  { id: 1, name: 'kettle', priceCents: 2999 },
  { id: 2, name: 'teapot', priceCents: 1899 },
  { id: 3, name: 'mug', priceCents: 799 },
];
let inFlight = 0;
let served = 0;

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/healthz') {
    const failing = failHealthNow();
    res.writeHead(failing ? 503 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: failing ? 'failing' : 'ok', version }));
    return;
  }
  inFlight++;
  const delayMs = 5 + Math.random() * 20 + extraLatencyMs;
  setTimeout(() => {
    inFlight--;
    served++;
    res.setHeader('x-shop-version', version);
    if (Math.random() < errorRate) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'checkout failed', version }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (url.startsWith('/stats')) res.end(JSON.stringify({ version, served, inFlight }));
    else res.end(JSON.stringify({ version, products }));
  }, delayMs);
});
server.keepAliveTimeout = 5000;
server.listen(port, '127.0.0.1');

if (crashAfterMs > 0) setTimeout(() => process.exit(1), crashAfterMs).unref();

const leakKbPerS = Number(process.env.SHOP_LEAK_KB_PER_S ?? 0);
const leaked = [];
// Filled, not just allocated: the pages are touched, so the resident set grows.
if (leakKbPerS > 0) setInterval(() => leaked.push(Buffer.alloc(Math.round(leakKbPerS * 102.4), 1)), 100).unref();

// Graceful stop: finish what is in flight, then exit.
function stop() {
  server.close(() => process.exit(0));
  server.closeIdleConnections?.();
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
