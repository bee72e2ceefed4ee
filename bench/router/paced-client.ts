// A paced load generator (wrk2 is not packaged): sends RATE requests/s for SECONDS on a fixed
// schedule over keep-alive connections and measures latency from each request's scheduled start,
// so a stall is not hidden (no coordinated omission). Prints JSON {sent, errors, p50Ms, p99Ms, p999Ms}.
//   node --import tsx bench/router/paced-client.ts URL RATE SECONDS
import http from 'node:http';

const [url, rate, seconds] = [new URL(process.argv[2]), Number(process.argv[3] ?? 1000), Number(process.argv[4] ?? 10)];
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const total = Math.round(rate * seconds);
const latencies = new Float64Array(total);
let done = 0;
let errors = 0;
const start = performance.now() + 50;

function send(i: number, scheduled: number): void {
  const req = http.request({ host: url.hostname, port: url.port, path: '/plain', agent, headers: { 'x-user-id': `user-${i % 1000}` } }, (res) => {
    res.resume();
    res.on('end', () => {
      latencies[i] = performance.now() - scheduled;
      if (res.statusCode !== 200) errors++;
      if (++done === total) finish();
    });
  });
  req.on('error', () => {
    latencies[i] = performance.now() - scheduled;
    errors++;
    if (++done === total) finish();
  });
  req.end();
}

let next = 0;
function tick(): void {
  const now = performance.now();
  while (next < total && start + (next * 1000) / rate <= now) {
    send(next, start + (next * 1000) / rate);
    next++;
  }
  // A 1 ms timer, not a busy loop: a spinning client would take CPU from the process measured.
  if (next < total) setTimeout(tick, 1);
}

function finish(): void {
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  process.stdout.write(JSON.stringify({ sent: total, errors, p50Ms: q(0.5), p99Ms: q(0.99), p999Ms: q(0.999) }) + '\n');
  agent.destroy();
}

// Warm the connections first.
const warm = Array.from({ length: 8 }, () => new Promise<void>((r) => http.get({ host: url.hostname, port: url.port, path: '/plain', agent }, (res) => res.resume().on('end', () => r())).on('error', () => r())));
void Promise.all(warm).then(() => tick());
