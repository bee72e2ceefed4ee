/**
 * `shipgate verify openapi` on two generated 5 MB documents: read both (bounded reader, field and
 * `$ref` checks) and diff them both ways. Goal: < 2 s. Prints the figure; bench/RESULTS.md is
 * written by hand from it.
 *
 *   node --import tsx bench/verify/openapi-diff.ts [--mb 5] [--rounds 5]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { readOpenapi } from '../../src/verify/openapi/openapi-document';
import { diffRelease } from '../../src/verify/openapi/openapi-diff';
import { MAX_NODES } from '../../src/core/manifest';

const { values: args } = parseArgs({ options: { mb: { type: 'string', default: '5' }, rounds: { type: 'string', default: '5' } } });
const TARGET_BYTES = Number(args.mb) * 1024 * 1024;
const ROUNDS = Math.max(1, Number(args.rounds));
const GOAL_MS = 2000;

/** Prose that fills bytes without adding values: the bounded reader counts values, not bytes. */
const words = 'the service returns the resource as stored after validation and may page long lists with a cursor'.split(' ');
const prose = (n: number, seed: number) => Array.from({ length: n }, (_, i) => words[(i * 7 + seed) % words.length]).join(' ');

/** A document with `n` paths; `changed` alters every 50th path the way a real release might. */
function generate(n: number, changed: boolean): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const touch = changed && i % 50 === 0;
    const props: Record<string, unknown> = {};
    for (let p = 0; p < 6; p++) props[`field${p}`] = { type: p === 2 && touch ? 'string' : p === 2 ? 'integer' : 'string', description: prose(40, i + p) };
    props.status = { type: 'string', enum: touch ? ['active', 'retired', 'paused'] : ['active', 'retired'] };
    schemas[`Item${i}`] = { type: 'object', description: prose(60, i), required: touch ? ['field0'] : ['field0', 'field1'], properties: props };
    const ref = { $ref: `#/components/schemas/Item${i}` };
    const parameters = [
      { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: prose(30, i) },
      { name: 'expand', in: 'query', required: touch, schema: { type: 'boolean' }, description: prose(30, i + 1) },
    ];
    paths[`/v1/items${i}/{id}`] = {
      get: {
        operationId: `getItem${i}`,
        summary: prose(8, i),
        description: prose(120, i),
        parameters,
        responses: { '200': { description: prose(20, i), content: { 'application/json': { schema: ref } } }, '404': { description: 'not found' } },
      },
      put: {
        operationId: `putItem${i}`,
        description: prose(120, i + 3),
        parameters: parameters.slice(0, 1),
        requestBody: { required: true, content: { 'application/json': { schema: ref } } },
        responses: { '200': { description: prose(20, i), content: { 'application/json': { schema: ref } } } },
      },
    };
  }
  return { openapi: '3.0.3', info: { title: 'bench', version: changed ? '2' : '1' }, paths, components: { schemas } };
}

/** Paths needed for the size asked for, found by growing until the base document is large enough. */
let n = 100;
let base = JSON.stringify(generate(n, false));
while (base.length < TARGET_BYTES) {
  n = Math.ceil(n * (TARGET_BYTES / base.length) * 1.01);
  base = JSON.stringify(generate(n, false));
}
const revision = JSON.stringify(generate(n, true));

let values = 0;
const count = (v: unknown): void => {
  values++;
  if (v && typeof v === 'object') for (const c of Object.values(v)) count(c);
};
count(JSON.parse(base));

const times: number[] = [];
/** CPU time of this process: on a shared machine wall time mostly measures the neighbours. */
const cpu: number[] = [];
let findings = 0;
for (let r = 0; r < ROUNDS; r++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const a = readOpenapi(base, 'base.json');
  const b = readOpenapi(revision, 'revision.json');
  findings = diffRelease(a, b).length;
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  times.push(performance.now() - t0);
}
times.sort((x, y) => x - y);
cpu.sort((x, y) => x - y);
const median = times[Math.floor(times.length / 2)];
const cpuMedian = cpu[Math.floor(cpu.length / 2)];
console.log(
  `## verify openapi: diff of two ${(base.length / 1048576).toFixed(1)} MB documents (${n} paths, ${2 * n} operations, ${values} values of the ${MAX_NODES} the bounded reader allows)`,
);
console.log('');
console.log(`- machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, ${new Date().toISOString()}`);
console.log(
  `- read both + diff both ways: median ${median.toFixed(0)} ms over ${ROUNDS} rounds (min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)}); goal < ${GOAL_MS} ms: ${median < GOAL_MS ? 'met' : 'NOT met'}`,
);
console.log(
  `- CPU time of the process for the same work: median ${cpuMedian.toFixed(0)} ms (includes garbage collection threads); load average ${loadavg()[0].toFixed(1)}`,
);
console.log(`- findings: ${findings}`);
