/**
 * Where `audit verify`'s time per event goes, in-process and without a database: the HMAC of one
 * event's chained text (eventLink, as verify computes it) against the two state hashes the
 * walk recomputes, on events shaped like bench/audit/verify-1m.ts builds. Backs the "createHmac
 * alone" figure quoted beside the 1M-event verify in RESULTS.md.
 *
 *   node --import tsx bench/audit/link-cost.ts [--events 200000]
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { eventLink, stateHash } from '../../src/audit/audit-log';

const i = process.argv.indexOf('--events');
const n = i >= 0 ? Number(process.argv[i + 1]) : 200_000;
const mac = { key: randomBytes(32), id: 'bench', file: '' };
const at = new Date().toISOString();
const states = Array.from({ length: 1000 }, (_, k) => ({
  apiVersion: 'shipgate.dev/v1',
  kind: 'Service',
  metadata: { name: `svc-${String(k).padStart(4, '0')}` },
  spec: { tier: k % 4 },
}));

function time(label: string, f: (k: number) => unknown): number {
  for (let k = 0; k < 20_000; k++) f(k); // warm-up
  const t0 = performance.now();
  for (let k = 0; k < n; k++) f(k);
  const us = ((performance.now() - t0) * 1000) / n;
  console.log(`${label.padEnd(46)} ${us.toFixed(2)} µs/event`);
  return us;
}

let prev = '0'.repeat(64);
const link = time('eventLink (HMAC-SHA256 over the chained text)', (k) => {
  prev = eventLink(mac, {
    seq: k + 1,
    at,
    actor: `user-${k % 17}`,
    action: 'resource.update',
    kind: 'Service',
    name: `svc-${k % 1000}`,
    beforeHash: 'a'.repeat(64),
    afterHash: 'b'.repeat(64),
    details: null,
    prevHash: prev,
  });
  return prev;
});
const states2 = time('stateHash × 2 (canonical JSON + SHA-256)', (k) => [stateHash(states[k % 1000]), stateHash(states[(k + 1) % 1000])]);
console.log(`\n${n} events, ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`per event: link ${link.toFixed(2)} µs + state hashes ${states2.toFixed(2)} µs = ${(link + states2).toFixed(2)} µs of in-process hashing`);
