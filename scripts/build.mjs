#!/usr/bin/env node
// Bundles the CLI and server into one ESM file so `shipgate` starts without compiling TypeScript
// on every run. Runs on `npm ci` (prepare) and before `npm test`. The bundle sits two folders
// deep (dist/cli/) like the sources (src/<capability>/), so paths resolved from
// import.meta.dirname stay the same. bin/shipgate.js falls back to the sources when it is stale.
import { build } from 'esbuild';

await build({
  entryPoints: { shipgate: 'src/cli/main.ts' },
  outdir: 'dist/cli',
  outExtension: { '.js': '.mjs' },
  // `shipgate server` and other heavy paths are imported dynamically: separate chunks, so light
  // commands do not load the HTTP server stack.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
