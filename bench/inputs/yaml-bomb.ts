/**
 * Bounded input: how long refusing a YAML alias bomb takes, on both parse paths of the bounded
 * manifest reader (fast: js-yaml plus the expansion count; position-keeping: the yaml library with
 * its alias limit), through every entry point that reads untrusted YAML (manifests, Sloth specs,
 * AnalysisTemplate files). Target: each refusal < 100 ms. Prints a Markdown section;
 * `--append` adds it to bench/RESULTS.md.
 *
 *   node --import tsx bench/inputs/yaml-bomb.ts [--rounds 20] [--append]
 */
import { appendFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { execSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { InputError } from '../../src/core/errors';
import { parseDocuments, parseYamlValue } from '../../src/core/manifest';
import { importSloth } from '../../src/slo/sloth-import';
import { readTemplateFile } from '../../src/analysis/analysis-cli';
import { aliasBomb } from '../../src/testing/yaml-bomb';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '20' }, append: { type: 'boolean', default: false } } });
const ROUNDS = Math.max(1, Math.min(1000, Number(args.rounds)));
const TARGET_MS = 100;

const entries: Array<[string, (text: string) => unknown]> = [
  ['parseDocuments (apply, route tables, OpenSLO)', (t) => parseDocuments(t, 'bomb.yaml')],
  ['parseYamlValue', (t) => parseYamlValue(t, 'bomb.yaml')],
  ['importSloth', (t) => importSloth(t, 'bomb.yaml')],
  ['readTemplateFile (analysis)', (t) => readTemplateFile(t, 'bomb.yaml')],
];

// A server has parsed YAML before a bomb arrives: warm the parsers (and JIT) on a harmless file.
for (const [, parse] of entries) {
  for (let i = 0; i < 5; i++) {
    try {
      parse('a: &a [1, 2]\nb: *a\nc: !local 1\n');
    } catch (e) {
      if (!(e instanceof InputError)) throw e; // not a Sloth spec: refused by its schema, after parsing
    }
  }
}

const rows: string[] = [];
let allMet = true;
for (const levels of [9, 10]) {
  for (const positionKeeping of [false, true]) {
    const text = aliasBomb(levels, positionKeeping);
    for (const [name, parse] of entries) {
      const times: number[] = [];
      let message = '';
      for (let i = 0; i < ROUNDS; i++) {
        const t0 = performance.now();
        try {
          parse(text);
          throw new Error(`${name} accepted a ${levels}-level bomb`);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          message = (e.issues[0]?.message ?? e.message).split(';')[0];
        }
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      const p95 = times[Math.min(times.length - 1, Math.floor(times.length * 0.95))];
      const max = times[times.length - 1];
      const met = max < TARGET_MS;
      allMet &&= met;
      rows.push(
        `| ${levels} levels, ${Buffer.byteLength(text)} B, 9^${levels} = ${(9 ** levels).toExponential(1)} values | ${positionKeeping ? 'position-keeping' : 'fast'} | ${name} | ${median.toFixed(2)} ms | ${p95.toFixed(2)} ms | ${max.toFixed(2)} ms | ${met ? 'yes' : 'NO'} | ${message} |`,
      );
    }
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const nproc = execSync('nproc').toString().trim();
const load = execSync('cat /proc/loadavg').toString().split(' ').slice(0, 3).join(' ');
const section = `
## Bounded input

Machine: \`nproc\` ${nproc}, ${cpu}, Node.js ${process.versions.node}, load average ${load} (shared).
Date: ${new Date().toISOString().slice(0, 10)}. Script: \`node --import tsx bench/inputs/yaml-bomb.ts --rounds ${ROUNDS}\`.
Time to refuse a YAML alias bomb ("billion laughs": each of N anchors a list of nine aliases of the
one before) with an InputError, ${ROUNDS} rounds each, after warming the parsers on a harmless file. The fast
path is js-yaml, which shares aliased nodes, plus the expansion count; a local tag
(\`!local\`) sends the text to the position-keeping parser (yaml), whose alias limit answers.
Target: every refusal < ${TARGET_MS} ms ("met" judges the slowest round; on a shared, loaded
machine a single round can include a GC pause or a scheduler stall).

| input | parse path | entry point | median | p95 | max | met (max) | refusal |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
process.stdout.write(section);
if (args.append) appendFileSync(join(import.meta.dirname, '..', 'RESULTS.md'), section);
if (!allMet) process.exitCode = 1;
