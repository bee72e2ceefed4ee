/**
 * No way around the gate: every release path asks the one authorisation path, through the public
 * API and CLI against a real server, real releases of the example service, SQLite and PostgreSQL.
 * Each refusal is asserted with its status, its stable code and its `gate.refuse` audit event.
 */
import { describe, test, before, after } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { startRolloutFixture, type RolloutFixture } from '../rollout/e2e-fixture';
import { testStores } from '../testing/postgres';
import { HOOKS, type Decision, type ReleaseGate } from '../core/hooks';

interface ApiError {
  code: string;
  message: string;
  details: Record<string, unknown> | null;
}

for (const store of await testStores()) {
  describe(`the one authorisation path on ${store}`, () => {
    let f: RolloutFixture;
    const tok: Record<string, string> = {};
    let budget: Decision = { decision: 'allow', reason: 'budget healthy' };
    const gate: ReleaseGate = { evaluate: async () => budget };

    async function post(path: string, body: unknown, who: string): Promise<{ status: number; body: ApiError & Record<string, any> }> {
      const res = await f.s.fetch(path, { method: 'POST', token: tok[who], headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as ApiError & Record<string, any> };
    }
    async function refusals(): Promise<{ code: string; action: string }[]> {
      const r = (await (await f.s.fetch('/api/v1/audit/events?kind=Gate&limit=1000')).json()) as {
        items: { action: string; details: { code: string; action: string } }[];
      };
      return r.items.filter((e) => e.action === 'gate.refuse').map((e) => ({ code: e.details.code, action: e.details.action }));
    }
    async function expectRefused(call: () => Promise<{ status: number; body: ApiError }>, code: string, message?: RegExp): Promise<ApiError> {
      const before = (await refusals()).length;
      const r = await call();
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal(r.body.code, code, r.body.message);
      assert.equal(r.body.details?.rule, code);
      if (message) assert.match(r.body.message, message);
      const after = await refusals();
      assert.equal(after.length, before + 1, 'one gate.refuse audit event');
      assert.equal(after.at(-1)!.code, code);
      return r.body;
    }
    async function changeOf(id: string): Promise<{ state: string; type: string; runId: string | null; version: string | null }> {
      return (await (await f.s.fetch(`/api/v1/changes/${id}`)).json()) as { state: string; type: string; runId: string | null; version: string | null };
    }

    before(async () => {
      f = await startRolloutFixture(store, { ratePerSecond: 10 });
      f.s.server.ctx.services.provide(HOOKS.releaseGate, gate);
      await f.apply({ strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } } });
      tok.dev = await f.s.token('deployer', 'dev');
      tok.appr = await f.s.token('approver', 'appr');
      tok.appr2 = await f.s.token('approver', 'appr2');
      tok.pager = await f.s.token('oncall', 'pager');
      const first = await f.s.cli(['release', 'shop', '--version', 'v1', '--wait', '--timeout', '120s'], { token: tok.dev });
      assert.equal(first.code, 0, first.stderr);
    });
    after(() => f.close());

    test('a standard change needs a template that covers it', async () => {
      const body = { service: 'shop', environment: 'production', type: 'standard', title: 'tweak', kind: 'schema' };
      await expectNoChange(() => post('/api/v1/changes', body, 'dev'), 'STANDARD_TEMPLATE_REQUIRED', /must name the StandardChangeTemplate/);
      await expectNoChange(
        () => post('/api/v1/changes', { ...body, template: 'shop-releases' }, 'dev'),
        'STANDARD_TEMPLATE_REQUIRED',
        /covers code, config changes, not schema/,
      );
      await expectNoChange(
        () => post('/api/v1/changes', { ...body, template: 'nope', kind: 'code' }, 'dev'),
        'STANDARD_TEMPLATE_REQUIRED',
        /no StandardChangeTemplate "nope"/,
      );
      const ok = await post('/api/v1/changes', { ...body, template: 'shop-releases', kind: 'code' }, 'dev');
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
    });

    async function expectNoChange(call: () => Promise<{ status: number; body: ApiError }>, code: string, message: RegExp): Promise<void> {
      const count = async () => ((await (await f.s.fetch('/api/v1/changes?limit=1000')).json()) as { items: unknown[] }).items.length;
      const n = await count();
      const r = await call();
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal(r.body.code, code);
      assert.match(r.body.message, message);
      assert.equal(await count(), n, 'nothing created');
    }

    test('an approval authorises one revision, once', async () => {
      const created = await post(
        '/api/v1/changes',
        { service: 'shop', environment: 'production', type: 'normal', title: 'ship v2', version: 'v2', set: { GREETING: 'hi' } },
        'dev',
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      assert.equal((await post(`/api/v1/changes/${id}/submit`, {}, 'dev')).status, 200);
      // Not approved yet.
      await expectRefused(
        () => post('/api/v1/releases', { service: 'shop', version: 'v2', set: { GREETING: 'hi' }, changeId: id }, 'dev'),
        'CHANGE_NOT_APPROVED',
        /awaiting approval/,
      );
      assert.equal((await post(`/api/v1/changes/${id}/approve`, {}, 'appr')).status, 200);
      // Anything but what was approved is refused, the difference named.
      const v3 = await expectRefused(
        () => post('/api/v1/releases', { service: 'shop', version: 'v3', set: { GREETING: 'hi' }, changeId: id }, 'dev'),
        'CHANGE_MISMATCH',
        /version: approved v2, requested v3/,
      );
      assert.deepEqual(
        (v3.details!.differences as { field: string }[]).map((d) => d.field),
        ['version'],
      );
      await expectRefused(
        () => post('/api/v1/releases', { service: 'shop', version: 'v2', set: { GREETING: 'other' }, changeId: id }, 'dev'),
        'CHANGE_MISMATCH',
        /config: approved sha256:/,
      );
      // The exact revision ships; the change moves to implement with its run, in one transaction.
      const ok = await post('/api/v1/releases', { service: 'shop', version: 'v2', set: { GREETING: 'hi' }, changeId: id }, 'dev');
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      const c = await changeOf(id);
      assert.deepEqual([c.state, c.runId], ['implement', ok.body.run.id]);
      // Abort; the change records the outcome with the run's terminal state, and authorises nothing more.
      await f.until((s) => s.run?.phase === 'paused');
      assert.equal((await post('/api/v1/rollouts/shop/abort', {}, 'dev')).status, 200);
      await f.until((s) => s.run?.phase === 'rolledBack');
      const after = await changeOf(id);
      assert.equal(after.state, 'review');
      await expectRefused(
        () => post('/api/v1/releases', { service: 'shop', version: 'v2', set: { GREETING: 'hi' }, changeId: id }, 'dev'),
        'CHANGE_NOT_APPROVED',
        /already authorised run/,
      );
    });

    test('the error budget policy gates release, retry, undo and promote; only an emergency passes', async () => {
      // Where pages go: an Alertmanager-style receiver named by an AlertNotificationTarget.
      const pages: { labels: Record<string, string> }[] = [];
      const receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          pages.push(...(JSON.parse(body) as { alerts: { labels: Record<string, string> }[] }).alerts);
          res.end('ok');
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
      const port = (receiver.address() as AddressInfo).port;
      const target = `apiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata:\n  name: pager\n  annotations: {shipgate.dev/url: "http://127.0.0.1:${port}/"}\nspec: {target: webhook}\n`;
      assert.equal((await post('/api/v1/apply', { files: [{ name: 'pager.yaml', content: target }] }, 'dev')).status, 200);
      budget = { decision: 'freeze', reason: 'budget of shop-availability spent (-12%)' };
      try {
        await expectRefused(() => post('/api/v1/releases', { service: 'shop', version: 'v4' }, 'dev'), 'BUDGET_FROZEN', /budget of shop-availability spent/);
        await expectRefused(() => post('/api/v1/rollouts/shop/retry', {}, 'dev'), 'BUDGET_FROZEN');
        const cli = await f.s.cli(['rollout', 'retry', 'shop'], { token: tok.dev });
        assert.equal(cli.code, 2);
        assert.match(cli.stderr, /error budget policy halts changes/);
        // An emergency needs on-call and a reason.
        await expectRefused(
          () => post('/api/v1/releases', { service: 'shop', version: 'v4', emergency: 'checkout is down' }, 'dev'),
          'EMERGENCY_NOT_ALLOWED',
          /only an on-call engineer/,
        );
        // It passes the freeze, and still needs its one fast authorisation.
        const waiting = await expectRefused(
          () => post('/api/v1/releases', { service: 'shop', version: 'v4', emergency: 'checkout is down' }, 'pager'),
          'CHANGE_NOT_APPROVED',
          /awaiting approval/,
        );
        const emergencyId = waiting.details!.changeId as string;
        assert.equal((await changeOf(emergencyId)).type, 'emergency');
        assert.equal((await post(`/api/v1/changes/${emergencyId}/approve`, {}, 'appr')).status, 200);
        const em = await post('/api/v1/releases', { service: 'shop', version: 'v4', changeId: emergencyId }, 'pager');
        assert.equal(em.status, 201, JSON.stringify(em.body));
        const change = await changeOf(em.body.run.changeId);
        assert.deepEqual([change.type, change.state], ['emergency', 'implement']);
        const audit = (await (await f.s.fetch(`/api/v1/audit/events?kind=ChangeRequest&name=${em.body.run.changeId}`)).json()) as {
          items: { action: string; details: Record<string, unknown> }[];
        };
        const loud = audit.items.find((e) => e.action === 'change.emergency');
        assert.ok(loud, 'the emergency is recorded');
        assert.equal(loud!.details.severity, 'page');
        assert.equal(loud!.details.reason, 'checkout is down');
        for (let i = 0; i < 100 && pages.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(
          pages.map((p) => [p.labels.alertname, p.labels.severity, p.labels.change]),
          [['EmergencyChange', 'page', em.body.run.changeId]],
          'one page, sent through the outbox after commit',
        );
        // Promote continues the change: its emergency passes the freeze too.
        await f.until((s) => s.run?.phase === 'paused');
        const promoted = await post('/api/v1/rollouts/shop/promote', { full: true }, 'pager');
        assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
        await f.until((s) => s.run?.phase === 'completed');
      } finally {
        budget = { decision: 'allow', reason: 'budget healthy' };
        receiver.close();
      }
      // A normal release under a frozen budget cannot be promoted.
      assert.equal((await post('/api/v1/releases', { service: 'shop', version: 'v5' }, 'dev')).status, 201);
      await f.until((s) => s.run?.phase === 'paused');
      budget = { decision: 'freeze', reason: 'budget spent' };
      try {
        await expectRefused(() => post('/api/v1/rollouts/shop/promote', {}, 'dev'), 'BUDGET_FROZEN');
        await expectRefused(() => post('/api/v1/rollouts/shop/resume', {}, 'dev'), 'BUDGET_FROZEN');
        // Abort only reduces exposure: never held back.
        assert.equal((await post('/api/v1/rollouts/shop/abort', {}, 'dev')).status, 200);
        await f.until((s) => s.run?.phase === 'rolledBack');
        await expectRefused(() => post('/api/v1/rollouts/shop/undo', {}, 'dev'), 'BUDGET_FROZEN');
      } finally {
        budget = { decision: 'allow', reason: 'budget healthy' };
      }
    });

    test('requireApproval: a pre-approved standard change is not enough', async () => {
      budget = { decision: 'requireApproval', reason: 'a page-level burn-rate alert fires' };
      try {
        const r = await expectRefused(
          () => post('/api/v1/releases', { service: 'shop', version: 'v6' }, 'dev'),
          'BUDGET_REQUIRES_APPROVAL',
          /asks for an approved change/,
        );
        const id = r.details!.changeId as string;
        assert.equal((await changeOf(id)).type, 'standard');
      } finally {
        budget = { decision: 'allow', reason: 'budget healthy' };
      }
    });

    test('a freeze window refuses every path but an emergency', async () => {
      const now = new Date(Date.now() - 60_000).toISOString().slice(0, 16);
      const win = `apiVersion: shipgate.dev/v1\nkind: ChangeWindow\nmetadata: {name: launch-freeze}\nspec: {type: freeze, reason: launch week, start: '${now}', durationMinutes: 60}\n`;
      const applied = await f.s.fetch('/api/v1/apply', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ files: [{ name: 'freeze.yaml', content: win }] }),
      });
      assert.ok(applied.ok, await applied.text());
      try {
        await expectRefused(
          () => post('/api/v1/releases', { service: 'shop', version: 'v7' }, 'dev'),
          'OUTSIDE_WINDOW',
          /freeze window launch-freeze is in force/,
        );
        await expectRefused(() => post('/api/v1/rollouts/shop/retry', {}, 'dev'), 'OUTSIDE_WINDOW');
      } finally {
        const del = await f.s.fetch('/api/v1/resources/ChangeWindow/launch-freeze', { method: 'DELETE' });
        assert.ok(del.ok, await del.text());
      }
    });

    test('flags in production and applied route tables pass the same gate; taking exposure away never waits', async () => {
      const flag = (enabled: boolean, labels = '{ service: shop }') =>
        `apiVersion: shipgate.dev/v1\nkind: FeatureFlag\nmetadata: { name: pay-v2, labels: ${labels} }\nspec:\n  environments:\n    production: { enabled: ${enabled} }\n`;
      const apply = (name: string, content: string, who = 'dev') => post('/api/v1/apply', { files: [{ name, content }] }, who);
      assert.equal((await apply('flag.yaml', flag(false))).status, 200);
      const guard = 'apiVersion: shipgate.dev/v1\nkind: AnalysisTemplate\nmetadata: { name: pay-guard }\nspec: { judge: sequential, interval: 10s }\n';
      const applied = await apply('guard.yaml', guard);
      assert.equal(applied.status, 200, JSON.stringify(applied.body));
      const unlabelled = await apply('flag.yaml', flag(true, '{ team: pay }'));
      assert.equal(unlabelled.status, 400);
      assert.match(unlabelled.body.message, /metadata\.labels\.service/);
      budget = { decision: 'freeze', reason: 'budget spent' };
      try {
        await expectRefused(() => apply('flag.yaml', flag(true)), 'BUDGET_FROZEN');
        const stored = (await (await f.s.fetch('/api/v1/resources/FeatureFlag/pay-v2')).json()) as {
          manifest: { spec: { environments: { production: { enabled: boolean } } } };
        };
        assert.equal(stored.manifest.spec.environments.production.enabled, false, 'nothing applied');
        await expectRefused(() => post('/api/v1/flags/pay-v2/enable', { env: 'production' }, 'dev'), 'BUDGET_FROZEN');
        await expectRefused(
          () => post('/api/v1/flags/pay-v2/rollouts', { env: 'production', steps: [10, 100], interval: '1m', analysis: 'pay-guard' }, 'dev'),
          'BUDGET_FROZEN',
        );
        // Off is always allowed, and the kill switch too.
        assert.equal((await post('/api/v1/flags/pay-v2/disable', { env: 'production' }, 'dev')).status, 200);
        assert.equal((await post('/api/v1/flags/pay-v2/kill', { env: 'production' }, 'pager')).status, 200);
        // A route a Rollout manages: changing its weights by hand is a gated change of shop.
        const tables = (await (await f.s.fetch('/api/v1/resources/RouteTable')).json()) as {
          items: { metadata: { name: string }; spec: { routes: { name: string; backends: { weight: number }[] }[] } }[];
        };
        const table = tables.items.find((t) => t.spec.routes.some((r) => r.name === 'shop'))!;
        const edited = structuredClone(table);
        edited.spec.routes.find((r) => r.name === 'shop')!.backends[0].weight = 42;
        await expectRefused(() => apply('route.yaml', JSON.stringify(edited)), 'BUDGET_FROZEN');
        await expectRefused(async () => {
          const res = await f.s.fetch(`/api/v1/resources/RouteTable/${table.metadata.name}`, { method: 'DELETE', token: tok.dev });
          return { status: res.status, body: (await res.json()) as ApiError };
        }, 'BUDGET_FROZEN');
      } finally {
        budget = { decision: 'allow', reason: 'budget healthy' };
      }
      const on = await apply('flag.yaml', flag(true));
      assert.equal(on.status, 200, JSON.stringify(on.body));
      const audit = (await (await f.s.fetch('/api/v1/audit/events?kind=Gate&limit=5000')).json()) as {
        items: { action: string; details: { action: string; changeType?: string } }[];
      };
      const allowed = audit.items.filter((e) => e.action === 'gate.allow' && e.details.action === 'flag.enable').at(-1);
      assert.equal(allowed?.details.changeType, 'standard', 'covered by the shop-releases template (config)');
    });

    test('undo goes back only to a revision that served', async () => {
      const history = (await (await f.s.fetch('/api/v1/rollouts/shop/history')).json()) as {
        revisions: { number: number; version: string }[];
        runs: { toRevision: string; phase: string }[];
      };
      const rolledBack = history.runs.find((r) => r.phase === 'rolledBack')!;
      const number = Number(rolledBack.toRevision.split('.').pop());
      const r = await post('/api/v1/rollouts/shop/undo', { toRevision: number }, 'dev');
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.match(r.body.message, /never served/);
    });

    test('two releases at once: one run starts, the other is refused', async () => {
      const [a, b] = await Promise.all([
        post('/api/v1/releases', { service: 'shop', version: 'v8' }, 'dev'),
        post('/api/v1/releases', { service: 'shop', version: 'v9' }, 'dev'),
      ]);
      const statuses = [a.status, b.status].sort();
      assert.equal(statuses[0], 201, JSON.stringify([a.body, b.body]));
      assert.ok(statuses[1] === 409 || statuses[1] === 403, JSON.stringify([a.body, b.body]));
      const runs = ((await (await f.s.fetch('/api/v1/rollouts/shop/history')).json()) as { runs: { phase: string }[] }).runs;
      assert.equal(runs.filter((r) => !['completed', 'rolledBack'].includes(r.phase)).length, 1, 'one active run');
      await f.until((s) => s.run?.phase === 'paused');
      assert.equal((await post('/api/v1/rollouts/shop/abort', {}, 'dev')).status, 200);
      await f.until((s) => s.run?.phase === 'rolledBack');
    });

    test('concurrent approve and reject: one wins, the other gets 409', async () => {
      for (let i = 0; i < 5; i++) {
        const c = await post(
          '/api/v1/changes',
          { service: 'shop', environment: 'production', type: 'normal', title: `race ${i}`, version: `r${i}`, rollbackPlan: 'undo', oncall: 'pager' },
          'dev',
        );
        await post(`/api/v1/changes/${c.body.id}/submit`, {}, 'dev');
        const [x, y] = await Promise.all([post(`/api/v1/changes/${c.body.id}/approve`, {}, 'appr'), post(`/api/v1/changes/${c.body.id}/reject`, {}, 'appr2')]);
        const codes = [x.status, y.status].sort();
        assert.equal(codes[0], 200, JSON.stringify([x.body, y.body]));
        assert.equal(codes[1], 409, JSON.stringify([x.body, y.body]));
        const state = (await changeOf(c.body.id)).state;
        assert.equal(state, x.status === 200 ? 'scheduled' : 'new');
      }
    });
  });
}
