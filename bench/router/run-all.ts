// Runs both figures in one go and writes bench/results/router.md.
//   node --import tsx bench/router/run-all.ts [wrkSeconds] [pacedSeconds] [quietRounds] [wrkRounds] [maxPacedRounds]
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { medianRatio, throughput, throughputTable } from './wrk-throughput';
import { added, pacedLatency, latencyTable, roundsTable, QUIET_STEAL } from './paced-latency';

const [wrkSeconds, pacedSeconds, quietRounds] = [Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 10), Number(process.argv[4] ?? 5)];
const wrkRounds = Number(process.argv[5] ?? 5);
const maxPacedRounds = Number(process.argv[6] ?? 4 * quietRounds);
const t = await throughput(wrkSeconds, wrkRounds);
console.log(throughputTable(t));
const l = await pacedLatency(pacedSeconds, quietRounds, maxPacedRounds);
console.log(latencyTable(l.summary));
const p99 = (n: string) => added(l.summary, n).p99.toFixed(2);
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

## Latency at an evenly paced 1,000 requests/s (\`bench/router/paced-latency.ts\`)

wrk (same tool as above), one thread, 10 connections, paced by \`bench/router/paced.lua\`: each
request takes the next 1 ms slot of one schedule, so requests leave one at a time (wrk2 is not
packaged). Rounds of ${pacedSeconds} s per target, interleaved across targets. During every round the share
of CPU time the hypervisor gave to other guests ("steal" in /proc/stat) is measured; a round is
quiet when it is under ${(QUIET_STEAL * 100).toFixed(1)}%. Rounds went on until every target had ${quietRounds} quiet rounds (at most
${maxPacedRounds} rounds). The figures are medians over each target's quiet rounds; the last column uses every round.

${latencyTable(l.summary)}

- p99 added by the router: **${p99('shipgate router')} ms** (target < 1 ms); nginx adds ${p99('nginx')} ms, http-proxy-3 ${p99('http-proxy-3')} ms, the bare node pipe ${p99('node pipe (floor)')} ms.

Every round (quiet ones in bold):

${roundsTable(l.rounds)}

A vCPU the hypervisor holds back for a few milliseconds delays every request that needs it, so
rounds with stolen time have a p99 several milliseconds higher for every target; a proxy, with one
more process on the path of each request, is hit more often than direct. Quiet rounds show what the
proxies themselves add.

## Why the earlier latency figures were higher

Runs with the earlier method (2026-11-27) measured +1.3 to +2.5 ms at p99 for the router and +0.7 to +2.1 ms for
nginx. Two things in the method, not in the proxies, made those figures:

- **Bursts.** The earlier \`paced.lua\` made each connection wait 9 ms after its response. The 10
  connections lined up and sent their requests together, 10 at a time every 10 ms (seen in
  \`perf sched timehist\`). p99 then measured how long a proxy takes to work through a burst of 10.
  Each request now takes the next 1 ms slot of one schedule.
- **Steal.** With requests evenly paced, p99 still moved from 0.5 to 12 ms between rounds. It
  followed the CPU time stolen by the hypervisor during the round. For example, nginx had a p99 of
  11.07 ms in a round with 3.5% stolen and 0.53 ms in a round with 0.1% stolen, and the router
  likewise. Rounds are now classed by steal.

Reproduce: \`node --import tsx bench/router/run-all.ts ${wrkSeconds} ${pacedSeconds} ${quietRounds} ${wrkRounds} ${maxPacedRounds}\` (needs \`apt-get install -y wrk nginx\`).
`;
const out = fileURLToPath(new URL('../results/router.md', import.meta.url));
mkdirSync(fileURLToPath(new URL('../results/', import.meta.url)), { recursive: true });
writeFileSync(out, md);
console.log(`wrote ${out}`);
