/**
 * `shipgate env parity staging production` through the CLI on a real server: what serves (real
 * releases), the Rollouts' replicas and routes, the stored RouteTables and the catalog's
 * dependencies are compared, and a production Rollout's `parity` rules decide the exit code.
 * SQLite and PostgreSQL.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startTestServer, type TestServer } from '../../testing/harness';
import { testStores } from '../../testing/postgres';
import { baseSpec, releaseTemplate, TEST_ROLLOUT_OPTIONS } from '../../rollout/e2e-fixture';
import { rolloutRuntime } from '../../rollout/capability';
import type { ParityReport } from './parity';

const dir = mkdtempSync(join(tmpdir(), 'sg-parity-'));
const doc = (kind: string, name: string, spec: unknown) => stringify({ apiVersion: 'shipgate.dev/v1', kind, metadata: { name }, spec });
const rollout = (
  env: string,
  replicas: number,
  parity?: { against: string; require: ('services' | 'dependencies' | 'configKeys' | 'redundancy' | 'routes')[] },
) =>
  doc(
    'Rollout',
    `shop-${env}`,
    baseSpec({
      service: 'shop',
      environment: env,
      route: `shop-${env}`,
      target: { type: 'static', replicas, endpoints: { v1: ['http://127.0.0.1:9', 'http://127.0.0.1:10'], v2: ['http://127.0.0.1:9', 'http://127.0.0.1:10'] } },
      strategy: { canary: { steps: [{ setWeight: 100 }] } },
      drain: { quietPeriod: '50ms', maxWait: '1s' },
      ...(parity ? { parity } : {}),
    }),
  );
const routes = (stagingTimeout: number) =>
  doc('RouteTable', 'shop-routes', {
    routes: [
      {
        name: 'shop-staging',
        match: { host: 'shop.staging.example' },
        timeouts: { requestMs: stagingTimeout },
        backends: [{ version: 'v1', weight: 100, instances: ['http://127.0.0.1:9'] }],
      },
      {
        name: 'shop-production',
        match: { host: 'shop.example' },
        timeouts: { requestMs: 2000 },
        backends: [{ version: 'v1', weight: 100, instances: ['http://127.0.0.1:9'] }],
      },
    ],
  });

for (const store of await testStores()) {
  describe(`env parity on ${store}`, () => {
    let s: TestServer;
    const apply = async (docs: string[]) => {
      const file = join(dir, `apply-${store}-${Math.random()}.yaml`);
      writeFileSync(file, docs.join('---\n'));
      const r = await s.cli(['apply', '-f', file]);
      assert.equal(r.code, 0, r.stderr);
    };
    const parity = async () => {
      const r = await s.cli(['env', 'parity', 'staging', 'production', '-o', 'json']);
      return { code: r.code, report: JSON.parse(r.stdout) as ParityReport };
    };

    before(async () => {
      s = await startTestServer({ store, options: { rollout: TEST_ROLLOUT_OPTIONS } });
      await apply([
        doc('Service', 'shop', { owner: 'team-shop', dependencies: [{ service: 'payments', kind: 'hard' }] }),
        doc('Service', 'payments', { owner: 'team-pay' }),
        doc('Environment', 'staging', { kind: 'staging', services: {} }),
        doc('Environment', 'production', { kind: 'production', services: { payments: { version: '4.1', instances: 3 } } }),
        stringify(releaseTemplate('shop')),
        routes(30000),
        rollout('staging', 1),
        rollout('production', 2, { against: 'staging', require: ['dependencies', 'configKeys', 'redundancy', 'routes'] }),
      ]);
      for (const [env, set] of [
        ['staging', ['DEBUG=1']],
        ['production', ['PAYMENTS_URL=https://pay.example']],
      ] as const) {
        const r = await s.cli(['release', 'shop', '--env', env, '--version', 'v1', ...set.flatMap((x) => ['--set', x]), '--wait', '--timeout', '60s']);
        assert.equal(r.code, 0, r.stderr);
      }
    });
    after(async () => {
      await rolloutRuntime(s.server.ctx).stop();
      await s.close();
    });

    test('differences listed, and the production Rollout fails on those it requires', async () => {
      const { code, report } = await parity();
      assert.equal(code, 1);
      assert.deepEqual(
        report.differences.map((d) => `${d.service} ${d.aspect}`),
        ['payments services', 'shop redundancy', 'shop configKeys', 'shop routes', 'shop dependencies'],
      );
      assert.deepEqual(
        report.rules[0].violations.map((v) => v.aspect),
        ['redundancy', 'configKeys', 'routes', 'dependencies'],
      );
      const table = await s.cli(['env', 'parity', 'staging', 'production']);
      assert.equal(table.code, 1);
      assert.match(table.stdout, /shop +configKeys +DEBUG +PAYMENTS_URL/);
      assert.match(table.stdout, /FAIL Rollout shop-production \(shop in production\) requires parity with staging/);
      assert.match(table.stdout, /shop depends on payments, which runs in production but not in staging/);
    });

    test('once staging mirrors production in what the Rollout requires, parity holds', async () => {
      await apply([
        routes(2000),
        rollout('staging', 2),
        doc('Environment', 'staging', { kind: 'staging', services: { payments: { version: '4.1-rc', instances: 1 } } }),
      ]);
      const r = await s.cli([
        'release',
        'shop',
        '--env',
        'staging',
        '--version',
        'v2',
        '--set',
        'DEBUG=',
        '--set',
        'PAYMENTS_URL=https://pay.staging',
        '--wait',
        '--timeout',
        '60s',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const { code, report } = await parity();
      // `--set DEBUG=` removed the key. Versions differ (staging is ahead) and payments' redundancy
      // is not something shop's Rollout requires: listed, not violations.
      assert.deepEqual(
        report.differences.map((d) => `${d.service} ${d.aspect}`),
        ['payments version', 'payments redundancy', 'shop version'],
      );
      assert.equal(code, 0, JSON.stringify(report.rules));
      assert.deepEqual(report.rules[0].violations, []);
      const table = await s.cli(['env', 'parity', 'staging', 'production']);
      assert.match(table.stdout, /ok {3}Rollout shop-production \(shop in production\): parity with staging in dependencies, configKeys, redundancy, routes/);
    });

    test('the releases are deploy markers, also as Grafana annotations', async () => {
      const r = await s.fetch('/api/v1/deploy-markers?service=shop&environment=staging&format=grafana', { token: await s.token('viewer', 'vic') });
      assert.equal(r.status, 200);
      const annotations = (await r.json()) as { time: number; title: string; text: string; tags: string[] }[];
      assert.ok(annotations.length >= 2, JSON.stringify(annotations));
      for (const a of annotations) {
        assert.ok(a.time > 0);
        assert.deepEqual(a.tags.slice(0, 3), ['shipgate', 'service:shop', 'environment:staging']);
        assert.match(a.text, /^shop in staging: \S+ .* → shop\.staging\.\d+ \(run /);
      }
      assert.equal((await s.fetch('/api/v1/deploy-markers?format=prometheus')).status, 400);
    });

    test('bad input: the same environment twice, a bad name', async () => {
      assert.equal((await s.cli(['env', 'parity', 'staging', 'staging'])).code, 2);
      assert.equal((await s.fetch('/api/v1/environments/parity?a=Staging!&b=production')).status, 400);
    });
  });
}

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
