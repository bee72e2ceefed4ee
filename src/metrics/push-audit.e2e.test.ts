import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { ManualClock } from '../core/clock';
import { HOOKS } from '../core/hooks';
import { manifests, points } from '../slo/testdata/manifests';

const T = Date.parse('2026-03-02T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

interface Event {
  seq: number;
  actor: string;
  action: string;
  kind: string;
  name: string;
  details: Record<string, unknown> | null;
  before?: unknown;
  after?: unknown;
}

/**
 * Every push that feeds budgets and canary analysis is audited: one event per batch with counts
 * (never one per point), written in the transaction that stores the data. Router stats come only
 * from router tokens.
 */
for (const store of await testStores()) {
  describe(`pushes and postmortems are audited on ${store}`, () => {
    let s: TestServer;
    let dir: string;
    const clock = new ManualClock(T);
    const events = async (action: string): Promise<Event[]> => {
      const r = await s.fetch('/api/v1/audit/events?limit=5000');
      return ((await r.json()) as { items: Event[] }).items.filter((e) => e.action === action);
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'push-audit-'));
      s = await startTestServer({ store, clock, options: { slo: { intervalMs: 0 } } });
      writeFileSync(join(dir, 'slo.yaml'), manifests('http://127.0.0.1:9'));
      const r = await s.cli(['apply', '-f', join(dir, 'slo.yaml')]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a series push of many points writes one event with the counts of series, points and services', async () => {
      const pusher = await s.token('metrics', 'checkout-metrics');
      const t = T / 1000 - 600;
      const pts = [];
      for (let i = 0; i < 50; i++) pts.push({ series: 'checkout.good', labels: { service: 'checkout' }, t: t + i, value: 1 });
      for (let i = 0; i < 30; i++) pts.push({ series: 'checkout.total', labels: { service: 'checkout' }, t: t + i, value: 1 });
      for (let i = 0; i < 20; i++) pts.push({ series: 'search.total', labels: { service: 'search' }, t: t + i, value: 1 });
      const before = (await events('series.push')).length;
      // The people who release may not write the numbers SLOs and flag rollouts judge them on.
      const deployer = await s.token('deployer', 'dora');
      const refused = await s.fetch('/api/v1/series', { method: 'POST', body: JSON.stringify({ points: pts }), token: deployer });
      assert.equal(refused.status, 403);
      assert.match(((await refused.json()) as { message: string }).message, /role "deployer" may not POST \/api\/v1\/series; allowed: metrics, admin/);
      assert.equal((await events('series.push')).length, before, 'a refused push is no event');
      const res = await s.fetch('/api/v1/series', { method: 'POST', body: JSON.stringify({ points: pts }), token: pusher });
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(await res.json(), { accepted: 100 });
      const after = await events('series.push');
      assert.equal(after.length, before + 1, 'one event for the batch, not one per point');
      const e = after[after.length - 1];
      assert.equal(e.actor, 'checkout-metrics');
      assert.equal(e.kind, 'Series');
      assert.equal(e.details!.points, 100);
      assert.equal(e.details!.series, 3);
      assert.equal(e.details!.services, 2);
      assert.equal(e.details!.role, 'metrics');
      assert.deepEqual(e.details!.names, ['checkout.good', 'checkout.total', 'search.total']);
      // The same count through `shipgate push`.
      writeFileSync(join(dir, 'p.jsonl'), points('payments', T, 0, 3, 10, 10));
      const cli = await s.cli(['push', join(dir, 'p.jsonl')], { token: pusher });
      assert.equal(cli.code, 0, cli.stderr);
      const last = (await events('series.push')).at(-1)!;
      assert.equal(last.details!.points, 6);
      assert.equal(last.name, '2 series');
    });

    test('a refused series push stores nothing and writes no event; router.* names are refused', async () => {
      const before = (await events('series.push')).length;
      const bad = await s.fetch('/api/v1/series', {
        method: 'POST',
        body: JSON.stringify({
          points: [
            { series: 'x.ok', t: 1, value: 1 },
            { series: 'x.ok', t: 1, value: 'many' },
          ],
        }),
      });
      assert.equal(bad.status, 400);
      const spoof = await s.fetch('/api/v1/series', {
        method: 'POST',
        body: JSON.stringify({ points: [{ series: 'router.requests', labels: { route: 'shop' }, t: T / 1000, value: 1000 }] }),
      });
      assert.equal(spoof.status, 400);
      assert.match(await spoof.text(), /router\./);
      assert.equal((await events('series.push')).length, before);
      const m = s.server.ctx.services.get(HOOKS.metrics)!;
      assert.equal(await m.sumSeries({ series: 'x.ok', fromMs: 0, toMs: 10_000 }), 0);
    });

    test('router stats: a deployer is refused (403), a router token pushes and one event counts buckets, routes and requests', async () => {
      const deployer = await s.token('deployer', 'dora');
      const router = await s.token('router', 'edge-1');
      const start = Math.floor(T / 10_000) * 10_000 - 60_000;
      const buckets = [
        { route: 'shop', version: 'stable', startMs: start, counts: { '2xx': 90, '5xx': 10 }, latency: { '10': 100 } },
        { route: 'shop', version: 'canary', startMs: start, counts: { '2xx': 5, '5xx': 5 }, latency: { '10': 10 } },
        { route: 'search', version: 'v1', startMs: start + 10_000, counts: { '2xx': 7 }, latency: { '10': 7 } },
      ];
      const before = (await events('router.stats.push')).length;
      const refused = await s.fetch('/api/v1/router/stats', { method: 'POST', body: JSON.stringify({ buckets }), token: deployer });
      assert.equal(refused.status, 403);
      assert.match(((await refused.json()) as { message: string }).message, /role "deployer" may not POST \/api\/v1\/router\/stats; allowed: router, admin/);
      assert.equal((await events('router.stats.push')).length, before, 'a refused push is not an event');
      const m = s.server.ctx.services.get(HOOKS.metrics)!;
      assert.equal((await m.routerWindow({ route: 'shop', fromMs: start, toMs: start + 60_000 })).requests, 0);

      const ok = await s.fetch('/api/v1/router/stats', { method: 'POST', body: JSON.stringify({ buckets }), token: router });
      assert.equal(ok.status, 202, await ok.clone().text());
      const after = await events('router.stats.push');
      assert.equal(after.length, before + 1);
      const e = after.at(-1)!;
      assert.equal(e.actor, 'edge-1');
      assert.equal(e.kind, 'RouterStats');
      assert.deepEqual(
        {
          buckets: e.details!.buckets,
          routes: e.details!.routes,
          versions: e.details!.versions,
          requests: e.details!.requests,
          errors: e.details!.errors,
          role: e.details!.role,
        },
        { buckets: 3, routes: 2, versions: 3, requests: 117, errors: 15, role: 'router' },
      );
      assert.equal((await m.routerWindow({ route: 'shop', version: 'canary', fromMs: start, toMs: start + 60_000 })).errors, 5);
      // An empty batch changes nothing: no event.
      const empty = await s.fetch('/api/v1/router/stats', { method: 'POST', body: JSON.stringify({ buckets: [] }), token: router });
      assert.equal(empty.status, 202);
      assert.equal((await events('router.stats.push')).length, before + 1);
      const chain = (await (await s.fetch('/api/v1/audit/verify')).json()) as { ok: boolean };
      assert.equal(chain.ok, true);
    });

    test('postmortem check records an audited pending postmortem once; done is audited once; unknown ids are 404', async () => {
      writeFileSync(join(dir, 'good.jsonl'), points('payments', T, 0, 60, 100, 100));
      writeFileSync(join(dir, 'bad.jsonl'), points('payments', T, 0, 5, 0, 400));
      assert.equal((await s.cli(['push', join(dir, 'good.jsonl')])).code, 0);
      assert.equal((await s.cli(['push', join(dir, 'bad.jsonl')])).code, 0);
      const oncall = await s.token('oncall', 'olga');
      const body = JSON.stringify({ service: 'payments', reference: 'release-9.9.9', from: iso(T - 5 * 60_000), to: iso(T), at: iso(T) });
      const r = await s.fetch('/api/v1/slo/postmortems/check', { method: 'POST', body, token: oncall });
      assert.equal(r.status, 200, await r.clone().text());
      const res = (await r.json()) as { required: boolean; postmortems: { id: string }[] };
      assert.equal(res.required, true);
      const id = res.postmortems[0].id;
      let created = await events('postmortem.create');
      assert.equal(created.length, 1);
      assert.equal(created[0].name, id);
      assert.equal(created[0].actor, 'olga');
      assert.equal(created[0].details!.reference, 'release-9.9.9');
      assert.equal((created[0].after as { status: string }).status, 'pending');
      // Checking the same release again records nothing new.
      assert.equal((await s.fetch('/api/v1/slo/postmortems/check', { method: 'POST', body, token: oncall })).status, 200);
      created = await events('postmortem.create');
      assert.equal(created.length, 1);

      const viewer = await s.token('viewer', 'vic');
      assert.equal((await s.fetch(`/api/v1/slo/postmortems/${id}/done`, { method: 'POST', token: viewer })).status, 403);
      assert.equal((await s.fetch('/api/v1/slo/postmortems/pm_nope/done', { method: 'POST', token: oncall })).status, 404);
      assert.equal((await events('postmortem.done')).length, 0);
      const done = await s.fetch(`/api/v1/slo/postmortems/${id}/done`, { method: 'POST', token: oncall });
      assert.equal(done.status, 200);
      assert.equal((await s.fetch(`/api/v1/slo/postmortems/${id}/done`, { method: 'POST', token: oncall })).status, 200);
      const doneEvents = await events('postmortem.done');
      assert.equal(doneEvents.length, 1, 'marking it done again changes nothing');
      assert.equal(doneEvents[0].name, id);
      assert.deepEqual([doneEvents[0].before, doneEvents[0].after], [{ status: 'pending' }, { status: 'done' }]);
    });
  });
}
