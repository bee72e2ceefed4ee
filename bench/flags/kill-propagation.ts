/**
 * Figure (2): kill-switch propagation. A server in its own process, N providers (default 500)
 * connected to it by server-sent events on loopback; for each kill, the time from the kill call
 * returning to each provider seeing the change (PROVIDER_CONFIGURATION_CHANGED).
 *
 *   node --import tsx bench/flags/kill-propagation.ts [--providers 500] [--rounds 20]
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ProviderEvents } from '@openfeature/server-sdk';
import { ShipgateProvider } from '../../packages/openfeature-provider/src/shipgate-provider';

const { values: args } = parseArgs({ options: { providers: { type: 'string', default: '500' }, rounds: { type: 'string', default: '20' } } });
const PROVIDERS = Math.min(2000, Number(args.providers));
const ROUNDS = Math.min(200, Number(args.rounds));

const FLAG = `apiVersion: shipgate.dev/v1
kind: FeatureFlag
metadata: { name: payments-v2 }
spec:
  type: kill-switch
  environments:
    production:
      enabled: true
      rules:
        - constraints: [{ contextName: country, operator: IN, values: [NO, SE] }]
          rollout: { percentage: 50 }
`;

const child = spawn(process.execPath, ['--import', 'tsx', 'bench/flags/server-child.ts'], { stdio: ['pipe', 'pipe', 'inherit'] });
const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
const { url, token: admin } = JSON.parse(first) as { url: string; token: string };

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

try {
  await api('POST', '/api/v1/apply', { files: [{ name: 'flag.yaml', content: FLAG }] });
  const { token: sdk } = await api<{ token: string }>('POST', '/api/v1/tokens', { role: 'sdk', environment: 'production' });

  const seen: number[] = new Array(PROVIDERS).fill(0);
  let armed = false;
  let remaining = 0;
  let allSeen: () => void = () => {};
  const providers: ShipgateProvider[] = [];
  const connectStart = performance.now();
  // The first connection warms the server's token cache, so the others skip the key derivation.
  for (let i = 0; i < PROVIDERS; i += i === 0 ? 1 : 50) {
    const batch = Array.from({ length: Math.min(i === 0 ? 1 : 50, PROVIDERS - i) }, (_, k) => {
      const p = new ShipgateProvider({ url, token: sdk, flushIntervalMs: 0, initTimeoutMs: 30_000 });
      const idx = i + k;
      p.events.addHandler(ProviderEvents.ConfigurationChanged, () => {
        if (armed && seen[idx] === 0) {
          seen[idx] = performance.now();
          if (--remaining === 0) allSeen();
        }
      });
      providers.push(p);
      return p.initialize();
    });
    await Promise.all(batch);
  }
  // Let every stream settle before the first kill.
  await new Promise((r) => setTimeout(r, 500));
  const connectMs = performance.now() - connectStart;

  const fromReturn: number[] = [];
  const fromSend: number[] = [];
  const roundMax: number[] = [];
  const roundCpuMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    seen.fill(0);
    remaining = PROVIDERS;
    const done = new Promise<void>((resolve) => (allSeen = resolve));
    armed = true;
    const action = round % 2 === 0 ? 'kill' : 'enable';
    const cpu0 = process.cpuUsage();
    const sent = performance.now();
    await api('POST', `/api/v1/flags/payments-v2/${action}`, { env: 'production', reason: 'benchmark' });
    const returned = performance.now();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)))]);
    clearTimeout(timer);
    armed = false;
    const cpu = process.cpuUsage(cpu0);
    roundCpuMs.push((cpu.user + cpu.system) / 1000);
    const missing = seen.filter((t) => t === 0).length;
    if (missing > 0) throw new Error(`round ${round}: ${missing} providers did not see the change within 10 s`);
    for (const t of seen) {
      fromReturn.push(Math.max(0, t - returned));
      fromSend.push(t - sent);
    }
    roundMax.push(Math.max(...seen) - returned);
    await new Promise((r) => setTimeout(r, 100));
  }
  await Promise.all(providers.map((p) => p.onClose()));

  const a = [...fromReturn].sort((x, y) => x - y);
  const b = [...fromSend].sort((x, y) => x - y);
  const r = [...roundMax].sort((x, y) => x - y);
  const round2 = (x: number) => Math.round(x * 100) / 100;
  console.log(
    JSON.stringify(
      {
        providers: PROVIDERS,
        rounds: ROUNDS,
        samples: a.length,
        connectAllMs: Math.round(connectMs),
        afterReturnMs: { p50: round2(percentile(a, 50)), p99: round2(percentile(a, 99)), max: round2(a[a.length - 1]) },
        afterSendMs: { p50: round2(percentile(b, 50)), p99: round2(percentile(b, 99)), max: round2(b[b.length - 1]) },
        lastProviderAfterReturnMs: { p50: round2(percentile(r, 50)), max: round2(r[r.length - 1]) },
        // CPU the providers' process spent per round (all N streams): what the latency would be on an idle core.
        providerProcessCpuMsPerRound: {
          p50: round2(
            percentile(
              [...roundCpuMs].sort((x, y) => x - y),
              50,
            ),
          ),
          max: round2(Math.max(...roundCpuMs)),
        },
        loadAverage1m: (await import('node:os')).loadavg()[0],
      },
      null,
      2,
    ),
  );
} finally {
  child.stdin!.end();
  await new Promise((r) => child.once('exit', r));
}
