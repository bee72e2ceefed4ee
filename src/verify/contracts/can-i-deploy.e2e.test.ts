/**
 * `shipgate contracts can-i-deploy` and the `canIDeploy` gate through the public CLI and API on a
 * real server: deployments are recorded by completed releases, pact verifications replayed
 * against a real provider on loopback are the contracts, and a Rollout requiring canIDeploy
 * releases only what every consumer serving in the environment (and every provider it consumes)
 * has verified. SQLite and PostgreSQL.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startTestServer, type TestServer } from '../../testing/harness';
import { testStores } from '../../testing/postgres';
import { baseSpec, releaseTemplate, TEST_ROLLOUT_OPTIONS } from '../../rollout/e2e-fixture';
import { rolloutRuntime } from '../../rollout/capability';
import type { Matrix } from './contract-matrix';

const dir = mkdtempSync(join(tmpdir(), 'sg-can-i-deploy-'));
// web's pact with shop: GET /orders/1 answers an order with a numeric total.
writeFileSync(
  join(dir, 'web-shop.json'),
  JSON.stringify({
    consumer: { name: 'web' },
    provider: { name: 'shop' },
    interactions: [
      {
        description: 'an order',
        request: { method: 'GET', path: '/orders/1' },
        response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: { id: 1, total: 12.5 } },
      },
    ],
    metadata: { pactSpecification: { version: '2.0.0' } },
  }),
);

const doc = (kind: string, name: string, spec: unknown) => stringify({ apiVersion: 'shipgate.dev/v1', kind, metadata: { name }, spec });
const rollout = (service: string, verify: string[]) =>
  doc(
    'Rollout',
    `${service}-production`,
    baseSpec({
      service,
      route: service,
      verify: verify as never,
      target: { type: 'static', endpoints: Object.fromEntries(['1.0.0', '1.1.0', '2.0.0'].map((v) => [v, ['http://127.0.0.1:9']])) },
      strategy: { canary: { steps: [{ setWeight: 100 }] } },
      drain: { quietPeriod: '50ms', maxWait: '1s' },
    }),
  );

for (const store of await testStores()) {
  describe(`contracts can-i-deploy on ${store}`, () => {
    let s: TestServer;
    let dev: string;
    let viewer: string;
    let provider: Server;
    let providerUrl: string;
    let total: unknown = 12.5;
    const cli = (args: string[], token = dev) => s.cli(args, { token, cwd: dir });
    const release = async (service: string, version: string) => cli(['release', service, '--version', version, '--wait', '--timeout', '60s']);
    const pact = (providerVersion: string, consumerVersion: string, service = 'shop') =>
      cli([
        'verify',
        'pact',
        'web-shop.json',
        '--provider',
        providerUrl,
        '--service',
        service,
        '--version',
        providerVersion,
        '--consumer-version',
        consumerVersion,
      ]);
    const canI = async (service: string, version: string, env = 'production') => {
      const r = await cli(['contracts', 'can-i-deploy', service, '--version', version, '--env', env, '-o', 'json'], viewer);
      return { code: r.code, stderr: r.stderr, m: (r.stdout ? JSON.parse(r.stdout) : null) as Matrix };
    };

    before(async () => {
      s = await startTestServer({ store, options: { rollout: TEST_ROLLOUT_OPTIONS } });
      const file = join(dir, `catalog-${store}.yaml`);
      writeFileSync(
        file,
        [
          doc('Service', 'shop', { owner: 'team-shop' }),
          doc('Service', 'web', { owner: 'team-web', dependencies: [{ service: 'shop', kind: 'hard' }] }),
          stringify(releaseTemplate('shop')),
          stringify(releaseTemplate('web')),
          rollout('shop', ['canIDeploy']),
          rollout('web', ['canIDeploy']),
        ].join('---\n'),
      );
      const applied = await s.cli(['apply', '-f', file]);
      assert.equal(applied.code, 0, applied.stderr);
      dev = await s.token('deployer', 'ci');
      viewer = await s.token('viewer', 'vic');
      // The shop revision under verification, on loopback.
      provider = createServer((req, res) => {
        if (req.url === '/orders/1') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: 1, total }));
        } else res.writeHead(404).end();
      });
      await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
      providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    });
    after(async () => {
      await rolloutRuntime(s.server.ctx).stop();
      await s.close();
      await new Promise((r) => provider.close(r));
    });

    test('completed releases record what serves; with no contract on record the first releases ship', async () => {
      const before = await canI('shop', '1.0.0');
      assert.equal(before.code, 0, before.stderr);
      assert.deepEqual(before.m.rows, []);
      assert.equal((await release('shop', '1.0.0')).code, 0);
      const web = await canI('web', '1.0.0');
      assert.equal(web.code, 0);
      // web declares a dependency on shop, with no pact between them yet: listed, not blocking.
      assert.deepEqual(
        web.m.rows.map((r) => `${r.role} ${r.service} ${r.deployedVersion} ${r.status} ${r.blocking}`),
        ['provider shop 1.0.0 no-contract false'],
      );
      assert.equal((await release('web', '1.0.0')).code, 0);
      const deployed = await cli(['rollout', 'deployed', '--env', 'production', '-o', 'json'], viewer);
      assert.equal(deployed.code, 0, deployed.stderr);
      assert.deepEqual(
        (JSON.parse(deployed.stdout) as { deployments: { service: string; version: string }[] }).deployments.map((d) => `${d.service}@${d.version}`),
        ['shop@1.0.0', 'web@1.0.0'],
      );
    });

    test('as a provider: a new shop version needs a passing verification against the web version serving', async () => {
      // The contract exists once shop 1.0.0 is verified against web 1.0.0's pact.
      assert.equal((await pact('1.0.0', '1.0.0')).code, 0);
      const missing = await canI('shop', '2.0.0');
      assert.equal(missing.code, 1);
      assert.equal(missing.m.verdict, 'fail');
      assert.deepEqual(
        missing.m.rows.map((r) => `${r.role} ${r.service} ${r.deployedVersion} ${r.status}`),
        ['consumer web 1.0.0 unverified'],
      );
      assert.match(missing.m.rows[0].message, /--service shop --version 2\.0\.0 --consumer web --consumer-version 1\.0\.0/);
      const refused = await release('shop', '2.0.0');
      assert.equal(refused.code, 2, refused.stdout);
      assert.match(refused.stderr, /shop 2\.0\.0 cannot be deployed to production: 1 of 1 contract\(s\) not verified \(consumer web 1\.0\.0: unverified\)/);

      total = '12.50'; // shop 2.0.0 as first built breaks web's pact: a string total
      assert.equal((await pact('2.0.0', '1.0.0')).code, 1);
      const failing = await canI('shop', '2.0.0');
      assert.equal(failing.code, 1);
      assert.equal(failing.m.rows[0].status, 'failing');
      assert.match(failing.m.rows[0].message, /failed: web 1\.0\.0 → shop: 0 of 1 interactions pass/);
      const table = await cli(['contracts', 'can-i-deploy', 'shop', '--version', '2.0.0', '--env', 'production'], viewer);
      assert.equal(table.code, 1);
      assert.match(table.stdout, /^NO: shop 2\.0\.0 cannot be deployed/);
      assert.match(table.stdout, /consumer +web +1\.0\.0 +FAILING/);

      total = 12.5; // fixed: the latest verification decides
      assert.equal((await pact('2.0.0', '1.0.0')).code, 0);
      const ok = await canI('shop', '2.0.0');
      assert.equal(ok.code, 0, JSON.stringify(ok.m));
      assert.equal(ok.m.rows[0].status, 'verified');
      assert.match(ok.m.rows[0].evidenceId ?? '', /^vev_/);
      const shipped = await release('shop', '2.0.0');
      assert.equal(shipped.code, 0, shipped.stderr);
      const audit = (await (await s.fetch('/api/v1/audit/events?kind=Gate&limit=100')).json()) as {
        items: { action: string; details: { reasons: string[] } }[];
      };
      assert.ok(audit.items.filter((e) => e.action === 'gate.allow').some((e) => e.details.reasons.includes('verified: canIDeploy')));
    });

    test('as a consumer: a new web version needs the shop version serving verified against its pact', async () => {
      const missing = await canI('web', '1.1.0');
      assert.equal(missing.code, 1);
      assert.deepEqual(
        missing.m.rows.map((r) => `${r.role} ${r.service} ${r.deployedVersion} ${r.status}`),
        ['provider shop 2.0.0 unverified'],
      );
      assert.equal((await release('web', '1.1.0')).code, 2);
      // Verifications of another shop version do not count: the one serving (2.0.0) decides.
      assert.equal((await pact('1.0.0', '1.1.0')).code, 0);
      assert.equal((await canI('web', '1.1.0')).code, 1);
      assert.equal((await pact('2.0.0', '1.1.0')).code, 0);
      assert.equal((await canI('web', '1.1.0')).code, 0);
      assert.equal((await release('web', '1.1.0')).code, 0);
      // shop 2.0.0 now serves web 1.1.0: a redeploy of shop 2.0.0 is checked against web 1.1.0.
      const again = await canI('shop', '2.0.0');
      assert.equal(again.code, 0);
      assert.equal(again.m.rows[0].deployedVersion, '1.1.0');
    });

    test('per environment: where the consumer does not serve, nothing blocks', async () => {
      const r = await canI('shop', '9.9.9', 'staging');
      assert.equal(r.code, 0, JSON.stringify(r.m));
      assert.deepEqual(
        r.m.rows.map((x) => `${x.service} ${x.status}`),
        ['web not-deployed'],
      );
    });

    test('refusals: bad input is a 400 naming the field; canIDeploy is never recorded by a caller', async () => {
      const bad = await s.fetch('/api/v1/contracts/can-i-deploy?service=Shop!&version=1&environment=production', { token: viewer });
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(await bad.json()), /service/);
      const noEnv = await s.fetch('/api/v1/contracts/can-i-deploy?service=shop&version=1', { token: viewer });
      assert.equal(noEnv.status, 400);
      const post = await s.fetch('/api/v1/verifications/canIDeploy', {
        method: 'POST',
        token: dev,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ service: 'shop', version: '3.0.0', input: {} }),
      });
      assert.equal(post.status, 404);
      const check = await s.fetch('/api/v1/verifications/check?service=shop&version=2.0.0&require=canIDeploy', { token: viewer });
      assert.equal(check.status, 200);
      assert.match(JSON.stringify(await check.json()), /canIDeploy is judged for an environment/);
    });
  });
}

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
