import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import type { SpofReport } from './spof';
import type { BlastRadius } from './blast-radius';
import type { AvailabilityReport } from './availability';
import type { DriftReport } from './drift';
import { HOOKS } from '../core/hooks';

const testdata = join(import.meta.dirname, 'testdata');

for (const store of await testStores()) {
  describe(`shipgate graph on ${store}`, () => {
    let s: TestServer;
    const json = async <T>(args: string[], code = 0): Promise<T> => {
      const r = await s.cli([...args, '-o', 'json']);
      assert.equal(r.code, code, r.stderr);
      return JSON.parse(r.stdout) as T;
    };

    before(async () => {
      s = await startTestServer({ store });
      const r = await s.cli(['apply', '-f', testdata]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(() => s.close());

    test('spof: cut vertices and hard dependencies without a fallback, with cycles reported', async () => {
      const r = await json<SpofReport>(['graph', 'spof']);
      const kinds = Object.fromEntries(r.spofs.map((x) => [x.service, x.reasons.map((y) => y.kind)]));
      assert.deepEqual(kinds, {
        orders: ['cut-vertex', 'no-fallback'],
        payments: ['cut-vertex', 'no-fallback'],
        'db-orders': ['cut-vertex', 'no-fallback'],
        'db-payments': ['no-fallback'],
        index: ['no-fallback'],
        'ml-model': ['no-fallback'],
        stripe: ['no-fallback'],
      });
      assert.equal(r.spofs[0].service, 'orders');
      assert.deepEqual(r.cycles, [{ services: ['index', 'search'], path: ['index', 'search', 'index'], kinds: ['soft', 'hard'], hard: false }]);
      assert.deepEqual(r.undeclared, []);
    });

    test('spof --env: single instances and services not deployed there', async () => {
      const r = await json<SpofReport>(['graph', 'spof', '--env', 'production']);
      assert.equal(r.environment, 'production');
      const reasons = (name: string) => r.spofs.find((x) => x.service === name)!.reasons.map((y) => y.kind);
      assert.deepEqual(reasons('db-orders'), ['cut-vertex', 'no-fallback', 'single-instance']);
      assert.deepEqual(reasons('ml-model'), ['no-fallback', 'not-deployed']);
      assert.deepEqual(reasons('index'), ['no-fallback', 'not-deployed']);
      assert.deepEqual(reasons('stripe'), ['no-fallback']);
    });

    test('spof as a table names the reasons and the cycle', async () => {
      const r = await s.cli(['graph', 'spof', '--env', 'production']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^SERVICE\s+TIER\s+HARD DEPENDENTS\s+WHY/);
      assert.match(r.stdout, /db-orders\s+1\s+2\s+cut vertex .*runs 1 instance in production; hard dependency of inventory, orders/);
      assert.match(r.stdout, /cycle: index ~> search -> index/);
    });

    test('spof of an unknown environment is an input error naming the known ones', async () => {
      const r = await s.cli(['graph', 'spof', '--env', 'moon']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /environment "moon" not found; known: production, staging/);
      const format = await s.cli(['graph', 'spof', '-o', 'xml']);
      assert.equal(format.code, 2);
      assert.match(format.stderr, /unknown output format "xml"/);
    });

    test('blast radius: hard and soft, with paths', async () => {
      const db = await json<BlastRadius>(['graph', 'blast-radius', 'db-orders']);
      assert.deepEqual(
        db.hard.map((a) => a.path.join('>')),
        ['inventory>db-orders', 'orders>db-orders', 'storefront>orders>db-orders'],
      );
      assert.deepEqual(db.soft, []);
      const ml = await json<BlastRadius>(['graph', 'blast-radius', 'ml-model']);
      assert.deepEqual(
        ml.hard.map((a) => a.service),
        ['recommendations'],
      );
      assert.deepEqual(
        ml.soft.map((a) => [a.service, a.path.join('>'), a.kinds.join(',')]),
        [
          ['orders', 'orders>recommendations>ml-model', 'soft,hard'],
          ['storefront', 'storefront>recommendations>ml-model', 'soft,hard'],
        ],
      );
      const table = await s.cli(['graph', 'blast-radius', 'ml-model']);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /ml-model: 1 services fail with it \(hard\), 2 degrade \(soft\)/);
      assert.match(table.stdout, /storefront\s+degrades \(soft\)\s+1\s+2\s+storefront ~> recommendations -> ml-model/);
    });

    test('blast radius of an unknown service is 404 and exit 2', async () => {
      const r = await s.cli(['graph', 'blast-radius', 'nope']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /service "nope" is not in the catalog/);
      const res = await s.fetch('/api/v1/graph/blast-radius/nope');
      assert.equal(res.status, 404);
      const bad = await s.fetch('/api/v1/graph/blast-radius/NOT_A_NAME');
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(await bad.json()), /params\.service/);
    });

    test('availability below the target exits 1', async () => {
      const r = await s.cli(['graph', 'availability', 'storefront']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /storefront: composite availability 99\.22\d*%, target 99\.9%: BELOW the target/);
      assert.match(r.stdout, /not counted: storefront ~> recommendations \(soft, fallback: popular items\)/);
      assert.doesNotMatch(r.stdout, /not counted: index ~> search/, 'search is counted through storefront');
      assert.match(r.stdout, /search\s+99\.5%\s+1\s+99\.5%\s+soft-without-fallback\s+storefront ~> search/);
      const j = await json<AvailabilityReport>(['graph', 'availability', 'storefront'], 1);
      const want = 0.999 * 0.9999 ** 3 * 0.9995 * 0.995 * 0.999;
      assert.ok(Math.abs(j.composite - want) < 1e-12, `${j.composite} vs ${want}`);
      assert.equal(j.verdict, 'below');
    });

    test('availability meeting the target exits 0; instances from --env raise it', async () => {
      const plain = await json<AvailabilityReport>(['graph', 'availability', 'orders']);
      assert.equal(plain.verdict, 'meets');
      assert.ok(Math.abs(plain.composite - 0.9999 * 0.9995 * 0.9999 * 0.9999) < 1e-12);
      const prod = await json<AvailabilityReport>(['graph', 'availability', 'orders', '--env', 'production']);
      assert.equal(prod.environment, 'production');
      assert.equal(prod.factors.find((f) => f.service === 'payments')!.instances, 2);
      assert.ok(prod.composite > plain.composite);
    });

    test('availability without a target exits 4 (undecided)', async () => {
      const r = await s.cli(['graph', 'availability', 'inventory']);
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stdout, /no target \(spec\.sla\): undecided/);
    });

    test('drift between staging and production', async () => {
      const r = await json<DriftReport>(['graph', 'drift', '--envs', 'staging,production']);
      assert.deepEqual(r.environments, ['staging', 'production']);
      assert.equal(r.compared, 5);
      assert.deepEqual(
        r.drift.map((d) => [d.service, d.differs]),
        [
          ['orders', ['configHash']],
          ['storefront', ['version']],
        ],
      );
      const table = await s.cli(['graph', 'drift']);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^SERVICE\s+DIFFERS\s+PRODUCTION\s+STAGING/);
      assert.match(table.stdout, /storefront\s+version\s+2\.1\.0 \(a1\)\s+2\.2\.0 \(a1\)/);
      assert.match(table.stdout, /2 of 5 services drift across production, staging/);
    });

    test('drift as YAML for machines', async () => {
      const r = await s.cli(['graph', 'drift', '--envs', 'production,staging', '-o', 'yaml']);
      assert.equal(r.code, 0, r.stderr);
      const doc = parse(r.stdout) as DriftReport;
      assert.deepEqual(doc.drift.find((d) => d.service === 'storefront')!.environments, {
        production: { version: '2.1.0', instances: 3, configHash: 'a1' },
        staging: { version: '2.2.0', instances: 1, configHash: 'a1' },
      });
    });

    test('drift refuses fewer than two environments and unknown ones', async () => {
      const one = await s.cli(['graph', 'drift', '--envs', 'staging']);
      assert.equal(one.code, 2);
      assert.match(one.stderr, /at least two environments/);
      const unknown = await s.cli(['graph', 'drift', '--envs', 'staging,moon']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /environment "moon" not found/);
    });

    test('export as dot and mermaid', async () => {
      const dot = await s.cli(['graph', 'export', '-o', 'dot']);
      assert.equal(dot.code, 0, dot.stderr);
      assert.match(dot.stdout, /^digraph catalog \{/);
      assert.match(dot.stdout, /"orders" -> "recommendations" \[style=dashed, label="cached list"\];/);
      assert.match(dot.stdout, /"stripe" \[label="stripe\\ntier 1", style="dashed"\];/);
      const mermaid = await s.cli(['graph', 'export', '-o', 'mermaid']);
      assert.equal(mermaid.code, 0, mermaid.stderr);
      assert.match(mermaid.stdout, /^flowchart LR\n/);
      assert.equal((mermaid.stdout.match(/-->/g) ?? []).length, 8);
      assert.equal((mermaid.stdout.match(/-\.->|\.->/g) ?? []).length, 4);
      const res = await s.fetch('/api/v1/graph/export?format=mermaid');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const bad = await s.cli(['graph', 'export', '-o', 'png']);
      assert.equal(bad.code, 2);
      assert.equal((await s.fetch('/api/v1/graph/export?format=png')).status, 400);
    });

    test('the OpenAPI document lists the graph routes with their response shapes', async () => {
      const res = await s.fetch('/api/v1/openapi.json');
      assert.equal(res.status, 200);
      const doc = (await res.json()) as { paths: Record<string, { get?: { responses?: Record<string, unknown> } }> };
      for (const p of [
        '/api/v1/graph/spof',
        '/api/v1/graph/blast-radius/{service}',
        '/api/v1/graph/availability/{service}',
        '/api/v1/graph/drift',
        '/api/v1/graph/export',
      ]) {
        assert.ok(doc.paths[p]?.get, `missing ${p}`);
      }
      assert.match(JSON.stringify(doc.paths['/api/v1/graph/spof'].get!.responses), /hardDependents/);
    });

    test('read access: 401 without a token, any read role may look', async () => {
      assert.equal((await s.fetch('/api/v1/graph/spof', { token: null })).status, 401);
      const viewer = await s.token('viewer', 'vera');
      const r = await s.cli(['graph', 'spof', '-o', 'json'], { token: viewer });
      assert.equal(r.code, 0, r.stderr);
      const sdk = await s.token('sdk', 'app', 'production');
      assert.equal((await s.fetch('/api/v1/graph/spof', { token: sdk })).status, 403);
    });

    test('HOOKS.graph answers other capabilities as the API answers people', async () => {
      const hook = s.server.ctx.services.get(HOOKS.graph);
      assert.ok(hook, 'the catalog provides HOOKS.graph in init');
      const view = await hook.snapshot();
      assert.deepEqual(view.blastRadius('db-orders'), await (await s.fetch('/api/v1/graph/blast-radius/db-orders')).json());
      const spof = (await (await s.fetch('/api/v1/graph/spof')).json()) as SpofReport;
      assert.deepEqual(
        view
          .services()
          .filter((x) => view.isSpof(x.name))
          .map((x) => x.name),
        spof.spofs
          .map((x) => x.service)
          .filter((n) => view.service(n))
          .sort(),
      );
      assert.equal(view.service('orders')?.owner, 'team-checkout');
      assert.deepEqual(
        view.hardDependencies('orders'),
        view
          .dependencies('orders')
          .filter((d) => d.kind === 'hard')
          .map((d) => d.service)
          .sort(),
      );
      assert.deepEqual(
        ['production', 'staging', 'moon'].map((e) => view.environmentKind(e)),
        ['production', 'staging', undefined],
      );
      assert.deepEqual(view.blastRadius('moon'), { service: 'moon', hard: [], soft: [] });
    });
  });
}
