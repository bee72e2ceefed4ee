// Runs both figures in one go and writes bench/results/router.md.
//   node --import tsx bench/router/run-all.ts [wrkSeconds] [pacedSeconds] [rounds]
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { throughput, throughputTable } from './wrk-throughput';
import { pacedLatency, latencyTable } from './paced-latency';

const [wrkSeconds, pacedSeconds, pacedRuns] = [Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 3)];
const t = await throughput(wrkSeconds, pacedRuns);
console.log(throughputTable(t));
const l = await pacedLatency(pacedSeconds, pacedRuns);
console.log(latencyTable(l));
const rps = (n: string) => t.find((r) => r.target === n)?.requestsPerSecond ?? NaN;
const router = rps('shipgate router');
const md = `# Router benchmark

Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}.
Other work (test suites of other parts of the code) ran on the machine during the run, so absolute
figures are low and noisy; the ratios within one run are what to compare.

Upstream: a trivial Node HTTP server (\`src/router/testing/upstream-server.mjs\`, path \`/plain\`).
Router (\`bench/router/router-server.ts\`): one route, two versions (90/10, both on the upstream),
stickiness by \`x-user-id\`, stats on. http-proxy-3 with keep-alive connections to the upstream. nginx (Debian package),
one worker, keep-alive to the upstream, access log off. Each target is its own process.

## Throughput: wrk, 2 threads, 32 connections, keep-alive (\`bench/router/wrk-throughput.ts\`)

${pacedRuns} rounds of ${wrkSeconds} s per target, interleaved across targets; the median round is reported.

${throughputTable(t)}

- router ÷ http-proxy-3: **${(router / rps('http-proxy-3')).toFixed(2)}×** (target ≥ 2×)
- router ÷ nginx: **${(router / rps('nginx')).toFixed(2)}×** (target ≥ 0.5×)

## Latency at a paced 1,000 requests/s (\`bench/router/paced-latency.ts\`)

wrk2 is not packaged, so \`bench/router/paced-client.ts\` sends on a fixed schedule and measures
from each request's scheduled start. ${pacedSeconds} s per round, ${pacedRuns} rounds interleaved
across targets, median round reported.

${latencyTable(l)}

Reproduce: \`node --import tsx bench/router/run-all.ts ${wrkSeconds} ${pacedSeconds} ${pacedRuns}\` (needs \`apt-get install -y wrk nginx\`).
`;
const out = fileURLToPath(new URL('../results/router.md', import.meta.url));
mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true });
writeFileSync(out, md);
console.log(`wrote ${out}`);
