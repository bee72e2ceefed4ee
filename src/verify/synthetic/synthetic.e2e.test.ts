/**
 * SyntheticChecks through the public CLI and API: run once from CI against a real loopback shop
 * (login → order with the extracted token), failures named step by step with the response, secrets
 * never shown; recorded as evidence; and scheduled from the server through the in-process router,
 * whose runs become `synthetic.*` series split by version that an SLO reads. SQLite and PostgreSQL.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../testing/harness';
import { testStores } from '../../testing/postgres';
import { HOOKS } from '../../core/hooks';
import type { SyntheticResult } from './synthetic-run';

const PASSWORD = 'correct-horse-battery';
const dir = mkdtempSync(join(tmpdir(), 'sg-synthetic-'));

/** The shop a check logs in to: POST /login → token; GET /orders/:id with it; a failed login echoes what it got. */
function shop(version: string): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const json = (status: number, v: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-served-by': version });
        res.end(JSON.stringify(v));
      };
      if (req.method === 'POST' && req.url === '/login') {
        const { password } = JSON.parse(body || '{}') as { password?: string };
        return password === PASSWORD ? json(200, { token: `tok-${version}` }) : json(401, { error: `bad password "${password}"` });
      }
      if (req.method === 'GET' && req.url === '/orders/42')
        return req.headers.authorization?.startsWith('Bearer tok-') ? json(200, { id: 42, total: 12.5, state: 'paid' }) : json(403, { error: 'no token' });
      if (req.url === '/old') {
        res.writeHead(302, { location: '/new' });
        return res.end();
      }
      json(404, { error: 'not found' });
    });
  });
}
const listen = async (s: Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

const check = (name: string, extra = '') => `apiVersion: shipgate.dev/v1
kind: SyntheticCheck
metadata: {name: ${name}}
spec:
  service: shop
  secrets: {password: {env: SHOP_SYNTHETIC_PASSWORD}}
  steps:
    - name: login
      request: {method: POST, path: /login, json: {user: synthetic, password: "\${secrets.password}"}}
      assert: [{status: 200}, {json: {path: $.token, type: string}}]
      extract: {token: {json: $.token}}
    - name: order
      request: {path: /orders/42, headers: {authorization: "Bearer \${token}"}}
      assert: [{status: 200}, {json: {path: $.state, equals: paid}}, {latency: 5s}]
${extra}`;
writeFileSync(join(dir, 'checkout.yaml'), check('checkout'));
writeFileSync(
  join(dir, 'redirect.yaml'),
  `apiVersion: shipgate.dev/v1
kind: SyntheticCheck
metadata: {name: redirect}
spec:
  steps:
    - name: old page moved
      request: {path: /old}
      assert: [{status: 302}, {header: {name: location, equals: /new}}]
`,
);
writeFileSync(
  join(dir, 'bad.yaml'),
  `apiVersion: shipgate.dev/v1
kind: SyntheticCheck
metadata: {name: bad}
spec:
  steps:
    - name: s
      request: {path: /}
      assert: [{json: {path: "$.items[*].id"}}]
`,
);

for (const store of await testStores()) {
  describe(`synthetic checks on ${store}`, () => {
    let s: TestServer;
    let v1: Server;
    let v2: Server;
    let url1: string;
    let url2: string;
    const cli = (args: string[], env: Record<string, string> = { SHOP_SYNTHETIC_PASSWORD: PASSWORD }) => s.cli(args, { cwd: dir, env });

    before(async () => {
      s = await startTestServer({ store, router: '127.0.0.1:0', options: { verify: { syntheticTickMs: 100 } } });
      v1 = shop('v1');
      v2 = shop('v2');
      url1 = await listen(v1);
      url2 = await listen(v2);
    });
    after(async () => {
      await s.close();
      await new Promise((r) => v1.close(r));
      await new Promise((r) => v2.close(r));
    });

    test('a passing run: the login token reaches the next step; table, JSON and JUnit', async () => {
      const r = await cli(['verify', 'synthetic', 'checkout.yaml', '--target', url1]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^PASS checkout against http:\/\/127\.0\.0\.1:\d+/);
      assert.match(r.stdout, /order +GET \/orders\/42 +200 +\d+ms +pass/);
      const json = JSON.parse((await cli(['verify', 'synthetic', 'checkout.yaml', '--target', url1, '-o', 'json'])).stdout) as SyntheticResult;
      assert.deepEqual(
        json.steps.map((x) => `${x.name}:${x.status}:${x.outcome}`),
        ['login:200:pass', 'order:200:pass'],
      );
      const junit = await cli(['verify', 'synthetic', 'checkout.yaml', '--target', url1, '-o', 'junit']);
      assert.match(junit.stdout, /<testsuite name="checkout \(http:\/\/127\.0\.0\.1:\d+\)" tests="2" failures="0" errors="0"/);
      // A redirect is the step's answer, never followed.
      assert.equal((await cli(['verify', 'synthetic', 'redirect.yaml', '--target', url1])).code, 0);
    });

    test('a failing step names the assertion, expected and actual, shows the response, masks the secret and skips the rest', async () => {
      const wrong = 'not-the-password-1';
      const r = await cli(['verify', 'synthetic', 'checkout.yaml', '--target', url1], { SHOP_SYNTHETIC_PASSWORD: wrong });
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /^FAIL checkout/);
      assert.match(r.stdout, /login +POST \/login +401 +\d+ms +fail +status: expected 200, got 401/);
      assert.match(r.stdout, /order +GET \/orders\/42 +- +- +skipped/);
      assert.match(r.stdout, /response of "login" \(first 500 characters\):\n\{"error":"bad password \\"\*\*\*\\""\}/);
      assert.ok(!r.stdout.includes(wrong), 'the secret the server echoed is masked');
      const junit = await cli(['verify', 'synthetic', 'checkout.yaml', '--target', url1, '-o', 'junit'], { SHOP_SYNTHETIC_PASSWORD: wrong });
      assert.match(junit.stdout, /failures="1" errors="1"/);
      assert.ok(!junit.stdout.includes(wrong));
    });

    test('bad input is exit 2 naming the file, field or variable; an unreachable target is a failed step', async () => {
      const noEnv = await cli(['verify', 'synthetic', 'checkout.yaml', '--target', url1], {});
      assert.equal(noEnv.code, 2);
      assert.match(noEnv.stderr, /spec\.secrets\.password reads the environment variable SHOP_SYNTHETIC_PASSWORD, which is not set/);
      const bad = await cli(['verify', 'synthetic', 'bad.yaml', '--target', url1]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /bad\.yaml:8:30 spec\.steps\[0\]\.assert\[0\]\.json\.path: .*filters and wildcards are not supported/);
      assert.equal((await cli(['verify', 'synthetic', 'checkout.yaml', '--target', 'ftp://x'])).code, 2);
      const down = await cli(['verify', 'synthetic', 'checkout.yaml', '--target', 'http://127.0.0.1:9']);
      assert.equal(down.code, 1);
      assert.match(down.stdout, /login +POST \/login +- +\d+ms +error +.*ECONNREFUSED/);
    });

    test('recorded as evidence: the server checks the result against the check; a forged one is refused', async () => {
      const r = await cli(['verify', 'synthetic', 'checkout.yaml', '--target', url1, '--service', 'shop', '--version', 'v1']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /recorded synthetic evidence vev_[0-9a-f]{20} for shop v1: pass \(checkout: 2 of 2 steps pass/);
      const forged = {
        kind: 'shipgate.dev/synthetic-result/v1',
        check: 'checkout',
        target: url1,
        ok: true,
        startedAt: new Date().toISOString(),
        durationMs: 3,
        version: null,
        steps: [{ name: 'login', method: 'POST', path: '/login', status: 200, latencyMs: 1, outcome: 'pass', assertions: [] }],
      };
      const res = await s.fetch('/api/v1/verifications/synthetic', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ service: 'shop', version: 'v9', input: { check: check('checkout'), result: forged } }),
      });
      assert.equal(res.status, 400);
      assert.match(JSON.stringify(await res.json()), /are not the check's \(login, order\)/);
      assert.equal(((await (await s.fetch('/api/v1/verifications?service=shop&version=v9')).json()) as { items: unknown[] }).items.length, 0);
    });

    test('scheduled from the server through the router: runs stored, series split by version, read by an SLO', async () => {
      // The router sends a third of users to v2; the check sticks to one bucket by its user header.
      const routes = `apiVersion: shipgate.dev/v1
kind: RouteTable
metadata: {name: shop-routes}
spec:
  routes:
    - name: shop
      stickiness: {header: x-user-id}
      backends:
        - {version: v1, weight: 67, instances: ["${url1}"]}
        - {version: v2, weight: 33, instances: ["${url2}"]}
`;
      const router = s.server.ctx.services.get(HOOKS.inProcessRouter)!;
      const scheduled = check('checkout-prod', '')
        .replace('secrets: {password: {env: SHOP_SYNTHETIC_PASSWORD}}', `secrets: {password: {value: ${PASSWORD}}}`)
        .replace(/(request: \{method: POST, path: \/login,)/, '$1 headers: {x-user-id: synthetic-1},')
        .replace('headers: {authorization:', 'headers: {x-user-id: synthetic-1, authorization:')
        .concat(`  schedule: {every: 10s, environment: production, target: "${router.url()}"}\n`);
      const slo = `apiVersion: openslo/v1
kind: SLO
metadata: {name: checkout-synthetic}
spec:
  service: shop
  indicator:
    metadata: {name: checkout-synthetic}
    spec:
      ratioMetric:
        counter: false
        good: {metricSource: {type: shipgate, spec: {series: synthetic.success, labels: {check: checkout-prod}}}}
        total: {metricSource: {type: shipgate, spec: {series: synthetic.runs, labels: {check: checkout-prod}}}}
  timeWindow: [{duration: 1d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
`;
      writeFileSync(join(dir, `scheduled-${store}.yaml`), [routes, scheduled, slo].join('---\n'));
      const applied = await s.cli(['apply', '-f', join(dir, `scheduled-${store}.yaml`)]);
      assert.equal(applied.code, 0, applied.stderr);
      // A viewer reads the check without its secret.
      const viewer = await s.token('viewer', 'vic');
      const asViewer = await (await s.fetch('/api/v1/resources/syntheticcheck/checkout-prod', { token: viewer })).text();
      assert.ok(!asViewer.includes(PASSWORD), asViewer);

      let runs: (SyntheticResult & { environment: string })[] = [];
      for (let i = 0; i < 100 && !runs.length; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const r = await s.cli(['verify', 'synthetic-runs', 'checkout-prod', '-o', 'json'], { token: viewer });
        runs = (JSON.parse(r.stdout) as { runs: typeof runs }).runs;
      }
      assert.equal(runs.length, 1, 'one run within the first interval');
      const [run] = runs;
      assert.equal(run.ok, true, JSON.stringify(run.steps));
      assert.equal(run.environment, 'production');
      assert.ok(run.version === 'v1' || run.version === 'v2', `answered by a version the router names: ${run.version}`);
      assert.ok(!JSON.stringify(run).includes(PASSWORD));
      const metrics = s.server.ctx.services.get(HOOKS.metrics)!;
      const window = { fromMs: Date.now() - 3_600_000, toMs: Date.now() + 60_000 };
      const sum = (series: string, labels: Record<string, string>) => metrics.sumSeries({ series, labels, ...window });
      assert.equal(await sum('synthetic.runs', { check: 'checkout-prod', version: run.version! }), 1);
      assert.equal(await sum('synthetic.success', { check: 'checkout-prod', version: run.version! }), 1);
      assert.equal(await sum('synthetic.runs', { check: 'checkout-prod', version: run.version === 'v1' ? 'v2' : 'v1' }), 0);
      assert.ok((await sum('synthetic.latency', { check: 'checkout-prod' })) > 0);
      // The SLO counts the run once its minute is complete.
      const status = await s.cli(['slo', 'status', 'checkout-synthetic', '--at', new Date(Date.now() + 120_000).toISOString(), '-o', 'json']);
      assert.equal(status.code, 0, status.stderr);
      const objective = (JSON.parse(status.stdout) as { status: { objectives: { sli: number | null; budgetTotal: number }[] } }).status.objectives[0];
      assert.equal(objective.sli, 1, status.stdout);
      // Nobody else writes synthetic.* series.
      const pusher = await s.token('metrics', 'pusher');
      const push = await s.fetch('/api/v1/series', {
        method: 'POST',
        token: pusher,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ points: [{ series: 'synthetic.success', labels: { check: 'checkout-prod' }, t: Date.now() / 1000, value: 100 }] }),
      });
      assert.equal(push.status, 400);
      assert.match(JSON.stringify(await push.json()), /written by the server's scheduled SyntheticChecks/);
    });
  });
}

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
