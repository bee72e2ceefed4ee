/**
 * Verification evidence through the public CLI and API against a real server, and the gate it
 * feeds: a Rollout whose `spec.verify` names openapi and scan releases only the exact revision with
 * passing evidence of both. The server computes each verdict from the inputs it is sent; pact
 * results are replayed against a real provider on loopback and reported. SQLite and PostgreSQL.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRolloutFixture, type RolloutFixture } from '../rollout/e2e-fixture';
import { FIXTURES } from '../testing/fixtures';
import { testStores } from '../testing/postgres';

const dir = mkdtempSync(join(tmpdir(), 'sg-evidence-'));
const api = (paths: Record<string, unknown>) => JSON.stringify({ openapi: '3.1.0', info: { title: 'shop', version: '1' }, paths });
const ok = { responses: { '200': { description: 'ok' } } };
writeFileSync(
  join(dir, 'v0.json'),
  api({ '/orders': { get: ok }, '/orders/{id}': { get: { ...ok, parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] } } }),
);
writeFileSync(join(dir, 'v1-breaking.json'), api({ '/orders': { get: ok } }));
writeFileSync(
  join(dir, 'v1.json'),
  api({
    '/orders': { get: ok },
    '/orders/{id}': { get: { ...ok, parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] } },
    '/carts': { get: ok },
  }),
);
writeFileSync(
  join(dir, 'clean.sarif'),
  JSON.stringify({
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [{ tool: { driver: { name: 'semgrep' } }, results: [] }],
  }),
);
copyFileSync(join(import.meta.dirname, 'scan', 'testdata', 'trivy.json'), join(dir, 'trivy.json'));
copyFileSync(join(FIXTURES, 'pact', 'foo-bar.json'), join(dir, 'foo-bar.json'));
const corpus = join(import.meta.dirname, 'migration', 'testdata');
copyFileSync(join(corpus, 'schema.sql'), join(dir, 'schema.sql'));
copyFileSync(join(corpus, 'corpus', '01-index-create.unsafe.sql'), join(dir, 'index.unsafe.sql'));
copyFileSync(join(corpus, 'corpus', '34-drop-column.allowed.safe.sql'), join(dir, 'drop-column.sql'));

interface Evidence {
  id: string;
  kind: string;
  version: string;
  verdict: string;
  summary: string;
  inputs: Record<string, string>;
  result: Record<string, unknown>;
  recordedBy: string;
}

for (const store of await testStores()) {
  describe(`verification evidence and the release gate on ${store}`, () => {
    let f: RolloutFixture;
    let dev: string;
    let viewer: string;
    let provider: Server;
    let providerUrl: string;
    let capacity: unknown = 5;

    const cli = (args: string[], token = dev) => f.s.cli(args, { token, cwd: dir });
    const evidence = async (q = ''): Promise<Evidence[]> =>
      ((await (await f.s.fetch(`/api/v1/verifications?service=shop${q}`)).json()) as { items: Evidence[] }).items;

    before(async () => {
      f = await startRolloutFixture(store, { ratePerSecond: 10 });
      await f.apply({ verify: ['openapi', 'scan'], strategy: { canary: { steps: [{ setWeight: 100 }] } } });
      dev = await f.s.token('deployer', 'ci-shop');
      viewer = await f.s.token('viewer', 'vic');
      // The provider revision a consumer's pact is verified against: the Bar service of foo-bar.json.
      provider = createServer((req, res) => {
        if (req.url === '/thing' && req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
          res.end(
            JSON.stringify({
              company: 'Acme',
              factories: [
                { location: 'Lyon', capacity },
                { location: 'Oslo', capacity: 2 },
              ],
              extra: true,
            }),
          );
        } else {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
      providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    });
    after(async () => {
      await f.close();
      await new Promise((r) => provider.close(r));
    });

    test('a release needs every verification its Rollout names, for that exact revision', async () => {
      const r = await cli(['release', 'shop', '--version', 'v1']);
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, /no openapi verification is recorded for shop v1: run `shipgate verify openapi/);
      assert.match(r.stderr, /no scan verification is recorded for shop v1/);
      const audit = (await (await f.s.fetch('/api/v1/audit/events?kind=Gate&limit=100')).json()) as { items: { action: string; details: { code: string } }[] };
      assert.equal(audit.items.filter((e) => e.action === 'gate.refuse').at(-1)?.details.code, 'VERIFICATION_REQUIRED');
    });

    test('the server computes the verdict from the inputs: a breaking API diff is recorded failing and blocks', async () => {
      const r = await cli(['verify', 'openapi', 'v0.json', 'v1-breaking.json', '--service', 'shop', '--version', 'v1', '-o', 'json']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /recorded openapi evidence vev_[0-9a-f]{20} for shop v1: fail/);
      const [e] = await evidence('&kind=openapi');
      assert.equal(e.verdict, 'fail');
      assert.equal(e.recordedBy, 'ci-shop');
      assert.match(e.summary, /endpoint-removed|api-path-removed|removed/);
      assert.deepEqual(Object.keys(e.inputs).sort(), ['base:v0.json', 'revision:v1-breaking.json']);
      assert.match(e.inputs['revision:v1-breaking.json'], /^[0-9a-f]{64}$/);
      const rel = await cli(['release', 'shop', '--version', 'v1']);
      assert.equal(rel.code, 2);
      assert.match(rel.stderr, /the latest openapi verification of shop v1 \(vev_[0-9a-f]{20}\) failed/);
    });

    test('a blocking scan fails, a clean one passes; the latest evidence per kind decides and the release ships', async () => {
      const bad = await cli(['verify', 'scan', 'trivy.json', '--service', 'shop', '--version', 'v1']);
      assert.equal(bad.code, 1, bad.stderr);
      assert.match(bad.stderr, /recorded scan evidence .* fail/);
      assert.equal((await cli(['verify', 'scan', 'clean.sarif', '--service', 'shop', '--version', 'v1'])).code, 0);
      assert.equal((await cli(['verify', 'openapi', 'v0.json', 'v1.json', '--service', 'shop', '--version', 'v1'])).code, 0);
      const check = await cli(['verify', 'evidence', 'check', '--service', 'shop', '--version', 'v1', '--require', 'openapi,scan']);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /openapi +passed/);
      const rel = await cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '120s']);
      assert.equal(rel.code, 0, rel.stderr);
      const allow = (await (await f.s.fetch('/api/v1/audit/events?kind=Gate&limit=100')).json()) as {
        items: { action: string; details: { reasons: string[] } }[];
      };
      assert.ok(
        allow.items
          .filter((e) => e.action === 'gate.allow')
          .at(-1)
          ?.details.reasons.includes('verified: openapi, scan'),
      );
    });

    test('evidence of one version says nothing of the next, nor of another artifact of the same version', async () => {
      const r = await cli(['release', 'shop', '--version', 'v2']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /no openapi verification is recorded for shop v2/);
      const check = await cli([
        'verify',
        'evidence',
        'check',
        '--service',
        'shop',
        '--version',
        'v1',
        '--artifact',
        'shop-1b.tgz',
        '--require',
        'scan',
        '-o',
        'json',
      ]);
      assert.equal(check.code, 1);
      assert.equal(JSON.parse(check.stdout).problems[0].problem, 'missing');
    });

    test('migration evidence: the server parses the files and applies the rules; a DROP needs two approvers', async () => {
      const unsafe = await cli(['verify', 'migration', 'index.unsafe.sql', '--schema', 'schema.sql', '--service', 'shop', '--version', 'v5']);
      assert.equal(unsafe.code, 1, unsafe.stderr);
      const [bad] = await evidence('&kind=migration&version=v5');
      assert.equal(bad.verdict, 'fail');
      assert.match(bad.summary, /unsafe: .*index-without-concurrently/);
      assert.deepEqual(Object.keys(bad.inputs).sort(), ['file:index.unsafe.sql', 'schema:schema.sql']);
      // Safe (the drop is allowed with a reason) but irreversible: the release needs two approvers, whatever the change type.
      const drop = await cli(['verify', 'migration', 'drop-column.sql', '--schema', 'schema.sql', '--service', 'shop', '--version', 'v5', '-o', 'json']);
      assert.equal(drop.code, 0, drop.stderr);
      assert.equal(JSON.parse(drop.stdout).irreversible, true);
      const [rec] = await evidence('&kind=migration&version=v5');
      assert.equal(rec.verdict, 'pass');
      assert.match(rec.summary, /irreversible \(a DROP\): two approvers required/);
      for (const args of [
        ['openapi', 'v0.json', 'v1.json'],
        ['scan', 'clean.sarif'],
      ])
        assert.equal((await cli(['verify', ...args, '--service', 'shop', '--version', 'v5'])).code, 0);
      const rel = await cli(['release', 'shop', '--version', 'v5']);
      assert.equal(rel.code, 2, rel.stdout);
      assert.match(rel.stderr, /found an irreversible change \(migration vev_[0-9a-f]{20}: .*\); it needs two approvers other than the author/);
      // The change request of that revision shows its evidence, and counts the DROP among its risk facts.
      const changes = ((await (await f.s.fetch('/api/v1/changes?service=shop&limit=100')).json()) as { items: { id: string; version: string | null }[] }).items;
      const change = changes.find((c) => c.version === 'v5')!;
      const shown = await cli(['change', 'show', change.id]);
      assert.match(shown.stdout, /verification migration: pass, irreversible — safe: .*\(vev_[0-9a-f]{20}, ci-shop at /);
      assert.match(shown.stdout, /verification openapi: pass/);
      const view = JSON.parse((await cli(['change', 'show', change.id, '-o', 'json'])).stdout) as {
        verifications: { latest: { kind: string; verdict: string }[] };
      };
      assert.deepEqual(
        view.verifications.latest.map((e) => `${e.kind}:${e.verdict}`),
        ['migration:pass', 'openapi:pass', 'scan:pass'],
      );
    });

    test("a ScanPolicy with `baseline: lastAccepted` fails only findings new against the last passing revision's", async () => {
      const policy = (ignore: string) =>
        `apiVersion: shipgate.dev/v1\nkind: ScanPolicy\nmetadata: {name: shop-scans}\nspec:\n  severity: high\n  baseline: lastAccepted\n${ignore}`;
      const accepted =
        '  ignore:\n' +
        ['CVE-2021-23337', 'CVE-2021-44906', 'CVE-2099-0001', 'AVD-DS-0002']
          .map((id) => `    - {id: ${id}, reason: accepted for v6 (SEC-9), expires: 2099-12-31}\n`)
          .join('');
      writeFileSync(join(dir, 'policy.yaml'), policy(accepted));
      assert.equal((await f.s.cli(['apply', '-f', join(dir, 'policy.yaml')])).code, 0);
      // v6 ships with its findings accepted (ignored): a passing record that holds them.
      const v6 = await cli(['verify', 'scan', 'trivy.json', '--policy', 'policy.yaml', '--service', 'shop', '--version', 'v6']);
      assert.equal(v6.code, 0, v6.stdout + v6.stderr);
      // The ignores are gone; v7 has the same findings and one more.
      writeFileSync(join(dir, 'policy.yaml'), policy(''));
      assert.equal((await f.s.cli(['apply', '-f', join(dir, 'policy.yaml')])).code, 0);
      const same = await cli(['verify', 'scan', 'trivy.json', '--policy', 'policy.yaml', '--service', 'shop', '--version', 'v7', '-o', 'json']);
      assert.equal(same.code, 1, 'offline, without --baseline, the findings fail');
      const [v7] = await evidence('&kind=scan&version=v7');
      assert.equal(v7.verdict, 'pass', v7.summary);
      assert.match(v7.summary, /already in v6, vev_[0-9a-f]{20}/);
      assert.equal((v7.result.baselineFrom as { version: string }).version, 'v6');
      const report = JSON.parse(readFileSync(join(dir, 'trivy.json'), 'utf8')) as { Results: { Vulnerabilities: Record<string, unknown>[] }[] };
      report.Results[0].Vulnerabilities.push({
        ...report.Results[0].Vulnerabilities[0],
        VulnerabilityID: 'CVE-2099-0002',
        PkgName: 'left-pad',
        Severity: 'HIGH',
      });
      writeFileSync(join(dir, 'trivy-new.json'), JSON.stringify(report));
      assert.equal((await cli(['verify', 'scan', 'trivy-new.json', '--policy', 'policy.yaml', '--service', 'shop', '--version', 'v7'])).code, 1);
      const [latest] = await evidence('&kind=scan&version=v7');
      assert.equal(latest.verdict, 'fail');
      assert.match(latest.summary, /1 blocking: left-pad CVE-2099-0002/);
    });

    test('pact: replayed against the real provider, reported, and checked to cover every interaction', async () => {
      const noVersion = await cli(['verify', 'pact', 'foo-bar.json', '--provider', providerUrl, '--service', 'bar', '--version', '7']);
      assert.equal(noVersion.code, 2);
      assert.match(noVersion.stderr, /needs --consumer-version/);
      // The pact names its consumer "Foo", not a service name: the server asks for one.
      const unnamed = await cli([
        'verify',
        'pact',
        'foo-bar.json',
        '--provider',
        providerUrl,
        '--service',
        'bar',
        '--version',
        '7',
        '--consumer-version',
        '1.0.0',
      ]);
      assert.equal(unnamed.code, 2);
      assert.match(unnamed.stderr, /consumer "Foo" is not a service name/);
      const consumer = ['--consumer', 'foo', '--consumer-version', '1.0.0'];
      const pass = await cli(['verify', 'pact', 'foo-bar.json', '--provider', providerUrl, '--service', 'bar', '--version', '7', ...consumer, '-o', 'json']);
      assert.equal(pass.code, 0, pass.stdout + pass.stderr);
      assert.equal(JSON.parse(pass.stdout).results[0].ok, true);
      capacity = 'five';
      const fail = await cli(['verify', 'pact', 'foo-bar.json', '--provider', providerUrl, '--service', 'bar', '--version', '8', ...consumer]);
      assert.equal(fail.code, 1);
      assert.match(fail.stdout, /\$\.factories\[0\]\.capacity: expected a value of type number, got string/);
      const items = ((await (await f.s.fetch('/api/v1/verifications?service=bar&kind=pact')).json()) as { items: Evidence[] }).items;
      assert.deepEqual(
        items.map((e) => `${e.version}:${e.verdict}`),
        ['8:fail', '7:pass'],
      );
      assert.equal(items[0].result.reported, true);
      assert.equal(items[0].result.consumer, 'Foo');
      assert.deepEqual((items[0] as unknown as { counterpart: unknown }).counterpart, { service: 'foo', version: '1.0.0' });
      // A result list that leaves out the failing interaction is refused, and records nothing.
      const pact = JSON.stringify({
        consumer: { name: 'Foo' },
        provider: { name: 'Bar' },
        interactions: [
          { description: 'a', request: { method: 'GET', path: '/a' }, response: { status: 200 } },
          { description: 'b', request: { method: 'GET', path: '/b' }, response: { status: 200 } },
        ],
      });
      const res = await f.s.fetch('/api/v1/verifications/pact', {
        method: 'POST',
        token: dev,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          service: 'bar',
          version: '9',
          input: { pact, consumerVersion: '1', results: [{ description: 'a', ok: true, mismatches: [] }] },
        }),
      });
      assert.equal(res.status, 400);
      assert.match(JSON.stringify(await res.json()), /no result for: b/);
      assert.equal(((await (await f.s.fetch('/api/v1/verifications?service=bar&version=9')).json()) as { items: unknown[] }).items.length, 0);
    });

    test('refusals: who may record, what the server cannot compute, bad input loses nothing', async () => {
      const before = (await evidence()).length;
      const post = (kind: string, body: unknown, token: string) =>
        f.s.fetch(`/api/v1/verifications/${kind}`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const input = { base: { name: 'a.json', text: '{}' }, revision: { name: 'b.json', text: '{}' } };
      assert.equal((await post('openapi', { service: 'shop', version: 'v3', input }, viewer)).status, 403);
      const none = await post('canIDeploy', { service: 'shop', version: 'v3', input: {} }, dev);
      assert.equal(none.status, 404);
      assert.match(((await none.json()) as { message: string }).message, /canIDeploy is not recorded: it is judged when a release asks/);
      const bad = await post(
        'openapi',
        { service: 'shop', version: 'v3', input: { base: { name: 'a.json', text: 'openapi: 3.0.0\npaths: 7\n' }, revision: { name: 'b.json', text: '{}' } } },
        dev,
      );
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(await bad.json()), /a\.json/);
      const badField = await post('openapi', { service: 'shop', version: 'v3', input: { base: 'x' } }, dev);
      assert.equal(badField.status, 400);
      assert.match(JSON.stringify(await badField.json()), /input\.base/);
      assert.equal((await post('scan', { service: 'Shop!', version: 'v3', input: {} }, dev)).status, 400);
      const noPolicy = await post('scan', { service: 'shop', version: 'v3', input: { reports: [{ name: 'r.sarif', text: '{}' }], policy: 'strict' } }, dev);
      assert.equal(noPolicy.status, 400);
      assert.equal((await evidence()).length, before, 'nothing recorded');
      const events = (await (await f.s.fetch('/api/v1/audit/events?kind=Verification&limit=100')).json()) as { items: { action: string; actor: string }[] };
      assert.ok(events.items.length >= 5 && events.items.every((e) => e.action === 'verify.evidence' && e.actor === 'ci-shop'));
    });
  });
}

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
