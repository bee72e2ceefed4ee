// Runs both figures in one go and writes bench/results/router.md.
//   node --import tsx bench/router/run-all.ts [wrkSeconds] [pacedSeconds] [pacedRounds] [wrkRounds]
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { medianRatio, throughput, throughputTable } from './wrk-throughput';
import { pacedLatency, latencyTable } from './paced-latency';

const [wrkSeconds, pacedSeconds, pacedRuns] = [Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 3)];
const wrkRounds = Number(process.argv[5] ?? 5);
const t = await throughput(wrkSeconds, wrkRounds);
console.log(throughputTable(t));
const l = await pacedLatency(pacedSeconds, pacedRuns);
console.log(latencyTable(l.wrk));
console.log(latencyTable(l.openLoop));
const added = (rs: typeof l.wrk, n: string) => {
  const d = rs.find((r) => r.target === 'direct')!;
  const r = rs.find((x) => x.target === n)!;
  return { p50: r.p50Ms - d.p50Ms, p99: r.p99Ms - d.p99Ms };
};
const md = `# Router benchmark

Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}.
The load generator, the upstream and the proxy share the machine's ${cpus().length} cores, so the whole system is
CPU-bound and absolute figures move by a quarter between runs (the host is shared too); the ratios
within one run, where every target sees the same conditions, are what to compare.

Upstream: a trivial Node HTTP server (\`src/router/testing/upstream-server.mjs\`, path \`/plain\`).
Router (\`bench/router/router-server.ts\`): one route, two versions (90/10, both on the upstream),
stickiness by \`x-user-id\`, stats on, fast path on (the default). http-proxy-3 with keep-alive connections to the upstream. nginx (Debian package),
one worker, keep-alive to the upstream, access log off. \`node pipe (floor)\` (\`bench/router/node-pipe.mjs\`)
pipes bytes between a client connection and its own upstream connection through node:net streams,
with no HTTP at all: the most any Node proxy can do on this machine. Each target is its own process.

## Throughput: wrk, 2 threads, 32 connections, keep-alive (\`bench/router/wrk-throughput.ts\`)

${wrkRounds} rounds of ${wrkSeconds} s per target, interleaved across targets. Requests/s and latencies are
each target's median round; ratios are taken within each round (targets measured one after the
other share the machine's conditions) and their median is the figure.

${throughputTable(t)}

- router ÷ http-proxy-3: **${medianRatio(t, 'http-proxy-3').toFixed(2)}×** (target ≥ 2×)
- router ÷ nginx: **${medianRatio(t, 'nginx').toFixed(2)}×** (target ≥ 0.5×)
- router ÷ node pipe (floor): ${medianRatio(t, 'node pipe (floor)').toFixed(2)}×

## Latency at a paced 1,000 requests/s (\`bench/router/paced-latency.ts\`)

${pacedSeconds} s per round, ${pacedRuns} rounds interleaved across targets, median round reported.

wrk (same tool as above), 10 connections each waiting 9 ms before every request
(\`bench/router/paced.lua\`; wrk2 is not packaged):

${latencyTable(l.wrk)}

- p99 added by the router: **${added(l.wrk, 'shipgate router').p99.toFixed(2)} ms** (target < 1 ms); nginx adds ${added(l.wrk, 'nginx').p99.toFixed(2)} ms, http-proxy-3 ${added(l.wrk, 'http-proxy-3').p99.toFixed(2)} ms, the bare node pipe ${added(l.wrk, 'node pipe (floor)').p99.toFixed(2)} ms.

Open-loop Node client (\`bench/router/paced-client.ts\`), sending on a fixed schedule and measuring
from each request's scheduled start, so a stall counts for every request it delays; its own event
loop adds jitter to every target alike:

${latencyTable(l.openLoop)}

- p99 added by the router: **${added(l.openLoop, 'shipgate router').p99.toFixed(2)} ms**; nginx adds ${added(l.openLoop, 'nginx').p99.toFixed(2)} ms, http-proxy-3 ${added(l.openLoop, 'http-proxy-3').p99.toFixed(2)} ms, the bare node pipe ${added(l.openLoop, 'node pipe (floor)').p99.toFixed(2)} ms.

p99 at 1,000 requests/s over ${pacedSeconds} s rests on about ${pacedSeconds * 10} requests per round; on this machine it moves by
about 2 ms between rounds for every target, nginx and the bare pipe included (an "added" p99 below
zero is that noise). p50 is the steadier figure; compare p99 across several runs.

Reproduce: \`node --import tsx bench/router/run-all.ts ${wrkSeconds} ${pacedSeconds} ${pacedRuns} ${wrkRounds}\` (needs \`apt-get install -y wrk nginx\`).
`;
const out = fileURLToPath(new URL('../results/router.md', import.meta.url));
mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true });
writeFileSync(out, md);
console.log(`wrote ${out}`);
