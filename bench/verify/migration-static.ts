/**
 * Figure: static analysis (parse with libpg-query + every rule) of 1,000 migration statements,
 * drawn from the corpus in src/verify/migration/testdata; goal under 1 s. The parser's one-time
 * WASM load is reported apart.
 * Run: node --import tsx bench/verify/migration-static.ts [statements] [runs]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkStatements } from '../../src/verify/migration/migration-rules';
import { SchemaModel } from '../../src/verify/migration/schema-model';
import { loadSqlParser, parseMigration } from '../../src/verify/migration/sql-statements';

const count = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 7);
const testdata = join(import.meta.dirname, '..', '..', 'src', 'verify', 'migration', 'testdata');
const schema = readFileSync(join(testdata, 'schema.sql'), 'utf8');
const corpus = readdirSync(join(testdata, 'corpus'))
  .sort()
  .map((f) => readFileSync(join(testdata, 'corpus', f), 'utf8'));

const t0 = performance.now();
await loadSqlParser();
const loadMs = performance.now() - t0;

// files of whole corpus migrations until `count` statements: realistic files, not one long one
const files: string[] = [];
let statements = 0;
for (let i = 0; statements < count; i++) {
  const text = corpus[i % corpus.length];
  files.push(text);
  statements += parseMigration(text, 'x.sql').length;
}

function once(): { ms: number; findings: number } {
  const start = performance.now();
  let findings = 0;
  for (let i = 0; i < files.length; i++) {
    const model = new SchemaModel();
    for (const s of parseMigration(schema, 'schema.sql')) model.apply(s);
    findings += checkStatements(parseMigration(files[i], `${i}.sql`), model).length;
  }
  return { ms: performance.now() - start, findings };
}

once(); // warm-up
const times: number[] = [];
let findings = 0;
for (let r = 0; r < runs; r++) {
  const x = once();
  times.push(x.ms);
  findings = x.findings;
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    figure: 'verify-migration-static',
    statements,
    files: files.length,
    findings,
    runs,
    medianMs: +times[Math.floor(times.length / 2)].toFixed(1),
    maxMs: +times[times.length - 1].toFixed(1),
    parserLoadMs: +loadMs.toFixed(1),
    goalMs: 1000,
  }),
);
