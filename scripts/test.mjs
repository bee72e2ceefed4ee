#!/usr/bin/env node
// Runs every *.test.ts under src/, packages/ and test/ with node's test runner through tsx.
// Node 20's runner neither discovers .ts files nor expands quoted globs, so we list them here.
// Usage: node scripts/test.mjs [path-filter ...]
// Before running, scripts/preflight.mjs installs or names the system packages the selected tests
// need and starts PostgreSQL when it is installed but down.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensurePackages, ensurePostgres } from './preflight.mjs';

const roots = ['src', 'packages', 'test'];
const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(p);
  }
}
roots.forEach(walk);
const filters = process.argv.slice(2);
const selected = files.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The machine first: a missing package fails here, naming it and its install command.
const problem = ensurePackages(selected);
if (problem) {
  console.error(problem);
  process.exit(2);
}
const pgNote = await ensurePostgres();
if (pgNote) {
  if (process.env.CI === 'true' || process.env.SHIPGATE_REQUIRE_PG === '1') {
    console.error(`preflight: ${pgNote} (required under CI)`);
    process.exit(2);
  }
  console.error(`preflight: ${pgNote}; tests run on SQLite only`);
}
const concurrency = process.env.SHIPGATE_TEST_CONCURRENCY ?? '3';
const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...selected];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
