/**
 * Figure (1): in-process evaluations per second of a rollout flag with two constraints, Shipgate's
 * engine beside unleash-client evaluating the same flag from a bootstrap file (no network: no
 * refresh, no metrics). Both run in this process, alternating, so they share the machine's state.
 *
 *   node --import tsx bench/flags/evaluation-rate.ts [--seconds 1.5] [--rounds 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Unleash, InMemStorageProvider } from 'unleash-client';
import { importUnleash } from '../../src/flags/unleash-import';
import { FlagEngine } from '../../src/flags/flag-engine';
import { toFlagDefinition } from '../../src/flags/flag-model';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '1.5' }, rounds: { type: 'string', default: '3' } } });
const SECONDS = Math.min(10, Number(args.seconds));
const ROUNDS = Math.min(9, Number(args.rounds));

/** The flag: 40% rollout on userId, country IN [NO, SE, DK], email ending in @acme.io or @example.com. */
const features = [
  {
    name: 'new-checkout',
    enabled: true,
    type: 'release',
    strategies: [
      {
        name: 'flexibleRollout',
        parameters: { rollout: '40', stickiness: 'default', groupId: 'new-checkout' },
        constraints: [
          { contextName: 'country', operator: 'IN', values: ['NO', 'SE', 'DK'] },
          { contextName: 'email', operator: 'STR_ENDS_WITH', values: ['@acme.io', '@example.com'] },
        ],
      },
    ],
    variants: [],
  },
];

const COUNTRIES = ['NO', 'SE', 'DK', 'FI', 'DE'];
const contexts = Array.from({ length: 1024 }, (_, i) => ({
  userId: `user-${i}`,
  properties: { country: COUNTRIES[i % 5], email: i % 3 === 0 ? `u${i}@acme.io` : `u${i}@example.com` },
}));
// Shipgate's context is flat; Unleash's carries custom fields in `properties`. Same data.
const flatContexts = contexts.map((c) => ({ userId: c.userId, ...c.properties }));

function rate(fn: (i: number) => boolean): { perSecond: number; on: number } {
  const start = performance.now();
  const deadline = start + SECONDS * 1000;
  let n = 0;
  let on = 0;
  const mask = contexts.length - 1;
  while (performance.now() < deadline) {
    for (let k = 0; k < 4096; k++, n++) if (fn(n & mask)) on++;
  }
  const elapsedS = (performance.now() - start) / 1000;
  return { perSecond: n / elapsedS, on };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'shipgate-bench-flags-'));
  const bootstrapFile = join(dir, 'bootstrap.json');
  writeFileSync(bootstrapFile, JSON.stringify({ version: 2, features }));
  const unleash = new Unleash({
    appName: 'bench',
    url: 'http://127.0.0.1:9/api/',
    refreshInterval: 0,
    disableMetrics: true,
    bootstrap: { filePath: bootstrapFile },
    storageProvider: new InMemStorageProvider(),
    skipInstanceCountWarning: true,
  });
  unleash.on('error', (e: Error) => console.error('unleash error:', e.message));
  unleash.on('warn', (m: unknown) => console.error('unleash warn:', m));
  await new Promise<void>((resolve) => (unleash.isSynchronized() ? resolve() : unleash.once('synchronized', () => resolve())));

  const imported = importUnleash({ features }, 'bench');
  const engine = new FlagEngine({ environment: 'bench', flags: imported.flags.map((m) => toFlagDefinition(m.metadata.name, m.spec, 'bench')), segments: {} });

  // Same answers for every context first: the comparison is only fair if both do the same work.
  let agree = 0;
  for (let i = 0; i < contexts.length; i++) {
    if (engine.evaluate('new-checkout', flatContexts[i]).enabled === unleash.isEnabled('new-checkout', contexts[i])) agree++;
  }
  if (agree !== contexts.length) throw new Error(`engines disagree on ${contexts.length - agree} contexts`);

  const shipgate: number[] = [];
  const unleashRates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    shipgate.push(rate((i) => engine.evaluate('new-checkout', flatContexts[i]).enabled).perSecond);
    unleashRates.push(rate((i) => unleash.isEnabled('new-checkout', contexts[i])).perSecond);
  }
  unleash.destroy();
  rmSync(dir, { recursive: true, force: true });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const s = median(shipgate);
  const u = median(unleashRates);
  const on = contexts.filter((_, i) => engine.evaluate('new-checkout', flatContexts[i]).enabled).length;
  console.log(
    JSON.stringify(
      {
        seconds: SECONDS,
        rounds: ROUNDS,
        contexts: contexts.length,
        onShare: on / contexts.length,
        shipgatePerSecond: Math.round(s),
        unleashPerSecond: Math.round(u),
        ratio: Number((s / u).toFixed(2)),
        shipgateRounds: shipgate.map(Math.round),
        unleashRounds: unleashRates.map(Math.round),
      },
      null,
      2,
    ),
  );
}

await main();
