import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { ManualClock } from '../core/clock';
import { HOOKS } from '../core/hooks';
import { startReceiver } from './testdata/webhook-receiver';
import { manifests, points } from './testdata/manifests';
import { FIXTURES } from '../testing/fixtures';

const T = Date.parse('2026-03-02T12:00:00Z');

/** Waits (up to 10 s) for deliveries the outbox makes after commit. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
const iso = (ms: number) => new Date(ms).toISOString();

for (const store of await testStores()) {
  describe(`slo on ${store}`, () => {
    let s: TestServer;
    let rx: Awaited<ReturnType<typeof startReceiver>>;
    let dir: string;
    const clock = new ManualClock(T);
    const file = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };

    before(async () => {
      rx = await startReceiver();
      dir = mkdtempSync(join(tmpdir(), 'slo-e2e-'));
      s = await startTestServer({ store, clock, options: { slo: { intervalMs: 0 } } });
      const r = await s.cli(['apply', '-f', file('slo.yaml', manifests(rx.url))]);
      assert.equal(r.code, 0, r.stderr);
      const p = await s.cli(['push', file('good.jsonl', points('payments', T, 0, 60, 100, 100))]);
      assert.equal(p.code, 0, p.stderr);
    });
    after(async () => {
      await s.close();
      await rx.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('healthy: status by hand, gate allows', async () => {
      const r = await s.cli(['slo', 'status', 'payments-availability', '--at', iso(T), '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const o = JSON.parse(r.stdout).status.objectives[0];
      assert.equal(o.sli, 1);
      assert.ok(Math.abs(o.budgetTotal - 60) < 1e-9); // 1% of 6,000 requests
      assert.equal(o.budgetRemaining, 1);
      assert.equal(o.timeToExhaustionMs, null);
      const g = await s.cli(['gate', 'payments', '--at', iso(T)]);
      assert.equal(g.code, 0, g.stdout + g.stderr);
      assert.match(g.stdout, /allow/);
      assert.match(g.stdout, /storefront-availability\s+storefront\s+dependent/);
    });

    test('a bad release: budget overspent, gate freezes (junit, markdown), emergency passes', async () => {
      const p = await s.cli(['push', file('bad.jsonl', points('payments', T, 0, 5, 0, 400))]);
      assert.equal(p.code, 0, p.stderr);
      const r = await s.cli(['slo', 'status', 'payments-availability', '--at', iso(T), '-o', 'json']);
      const o = JSON.parse(r.stdout).status.objectives[0];
      // 8,000 requests, 2,000 bad: SLI 0.75, budget 80, remaining 1 − 2000/80 = −24
      assert.equal(o.sli, 0.75);
      assert.equal(o.budgetConsumed, 2000);
      assert.ok(Math.abs(o.budgetRemaining + 24) < 1e-9);
      assert.ok(Math.abs(o.burnRates['1h'] - 25) < 1e-9);
      assert.ok(Math.abs(o.burnRates['5m'] - 80) < 1e-9);
      assert.deepEqual(
        o.alerts.filter((a: { firing: boolean }) => a.firing).map((a: { name: string }) => a.name),
        ['payments-fast-burn'],
      );
      const table = await s.cli(['slo', 'status', '--at', iso(T)]);
      assert.match(table.stdout, /payments-availability\s+availability\s+75\.000%/);

      const g = await s.cli(['gate', 'payments', '--at', iso(T), '-o', 'junit']);
      assert.equal(g.code, 1);
      assert.match(g.stdout, /<testsuite name="gate payments: freeze"/);
      assert.match(
        g.stdout,
        /<testcase classname="shipgate.gate.payments" name="payments-availability\/availability"><failure message="default\/budget-exhausted:freeze, default\/page-burn:requireApproval"/,
      );
      const md = await s.cli(['gate', 'payments', '--at', iso(T), '-o', 'markdown']);
      assert.equal(md.code, 1);
      assert.match(md.stdout, /Shipgate gate: `payments`: \*\*freeze\*\*/);
      assert.match(md.stdout, /Decided by SLO `payments-availability`, rule `default\/budget-exhausted`/);
      const em = await s.cli(['gate', 'payments', '--at', iso(T), '--change-type', 'emergency', '-o', 'json']);
      assert.equal(em.code, 0, em.stdout);
      assert.equal(JSON.parse(em.stdout).exempted, true);
      // checkout depends on payments, but payments' SLO is backend: it only gates payments itself
      assert.equal((await s.cli(['gate', 'checkout', '--at', iso(T)])).code, 0);
    });

    test('release gate and burn signal hooks', async () => {
      const gate = s.server.ctx.services.get(HOOKS.releaseGate)!;
      assert.equal((await gate.evaluate({ service: 'payments', environment: 'production', atMs: T })).decision, 'freeze');
      const burn = s.server.ctx.services.get(HOOKS.burnSignal)!;
      const b = await burn.pageBurning({ service: 'payments', environment: 'production', atMs: T });
      assert.equal(b.burning, true);
      assert.match(b.reason, /payments-availability/);
      assert.equal((await burn.pageBurning({ service: 'payments', environment: 'production', atMs: T + 3 * 3_600_000 })).burning, false);
    });

    test('alerts: firing once to the Alertmanager webhook and Slack, deduplicated, then resolved', async () => {
      const tick = async (atMs: number) =>
        (await (await s.fetch('/api/v1/slo/evaluate', { method: 'POST', body: JSON.stringify({ at: iso(atMs) }) })).json()) as { events: { status: string }[] };
      assert.deepEqual(
        (await tick(T)).events.map((e) => e.status),
        ['firing'],
      );
      assert.deepEqual((await tick(T + 60_000)).events, []);
      // Delivered by the outbox after the alert state commits.
      await until(() => rx.received.filter((x) => x.path === '/alertmanager').length === 1 && rx.received.some((x) => x.path === '/slack'));
      const am = rx.received.filter((x) => x.path === '/alertmanager');
      assert.equal(am.length, 1);
      assert.equal(am[0].body.version, '4');
      assert.equal(am[0].body.status, 'firing');
      assert.equal(am[0].body.receiver, 'oncall-webhook');
      assert.equal(am[0].body.alerts[0].labels.slo, 'payments-availability');
      assert.equal(am[0].body.alerts[0].labels.severity, 'page');
      assert.equal(am[0].body.alerts[0].endsAt, '0001-01-01T00:00:00Z');
      const slack = rx.received.filter((x) => x.path === '/slack');
      assert.equal(slack.length, 1);
      assert.match(slack[0].body.text, /1 SLO alert\(s\) firing: payments-availability/);
      assert.equal(slack[0].body.attachments[0].color, 'danger');
      assert.deepEqual(
        (await tick(T + 2 * 3_600_000)).events.map((e) => e.status),
        ['resolved'],
      );
      await until(() => rx.received.filter((x) => x.path === '/alertmanager').length === 2);
      const resolved = rx.received.filter((x) => x.path === '/alertmanager')[1].body;
      assert.equal(resolved.status, 'resolved');
      assert.equal(resolved.alerts[0].startsAt, iso(T));
      assert.equal(resolved.alerts[0].endsAt, iso(T + 2 * 3_600_000));
    });

    test('postmortem: a release that spent 25 budgets is recorded as pending on the service', async () => {
      const r = await s.fetch('/api/v1/slo/postmortems/check', {
        method: 'POST',
        body: JSON.stringify({ service: 'payments', reference: 'release-2.4.0', from: iso(T - 5 * 60_000), to: iso(T), at: iso(T) }),
      });
      const body = (await r.json()) as { required: boolean; shares: { share: number }[] };
      assert.equal(body.required, true);
      assert.ok(Math.abs(body.shares[0].share - 25) < 1e-9);
      const list = (await (await s.fetch('/api/v1/slo/postmortems?service=payments&status=pending')).json()) as { items: { reference: string }[] };
      assert.deepEqual(
        list.items.map((i) => i.reference),
        ['release-2.4.0'],
      );
      const bad = await s.fetch('/api/v1/slo/postmortems/check', {
        method: 'POST',
        body: JSON.stringify({ service: 'payments', reference: 'x', from: iso(T), to: iso(T - 1) }),
      });
      assert.equal(bad.status, 400);
    });

    test('explain, export, OpenSLO round trip, refusals', async () => {
      const ex = await s.cli(['slo', 'explain', 'payments-availability', '--at', iso(T)]);
      assert.equal(ex.code, 0, ex.stderr);
      assert.match(ex.stdout, /pushed series payments\.good\{\}/);
      assert.match(ex.stdout, /Components covered: payments-api, payments-db/);
      assert.match(ex.stdout, /Methodology: Counted at the payments API edge/);
      assert.match(ex.stdout, /Deploy grace: for 10m after a deploy marker/);
      assert.match(ex.stdout, /page "payments-fast-burn": burn rate gt 14\.4 over both 1h and 5m/);
      const get = await s.cli(['get', 'slo', 'payments-availability', '-o', 'openslo']);
      assert.equal(get.code, 0, get.stderr);
      const sent = manifests(rx.url)
        .split('\n---\n')
        .map((d) => parse(d))
        .find((d) => d.kind === 'SLO' && d.metadata.name === 'payments-availability');
      assert.deepEqual(parse(get.stdout), sent);
      const inl = await s.cli(['slo', 'export', 'payments-availability', '--inline']);
      const doc = parse(inl.stdout);
      assert.equal(doc.spec.indicator.metadata.name, 'payments-requests');
      assert.equal(doc.spec.alertPolicies[0].spec.notificationTargets[0].spec.target, 'webhook');
      assert.equal((await s.cli(['get', 'service', 'payments', '-o', 'openslo'])).code, 2);
      const bad = await s.cli([
        'apply',
        '-f',
        file(
          'bad-slo.yaml',
          'apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec:\n  service: a\n  indicatorRef: nope\n  timeWindow: [{duration: 1w, isRolling: true}]\n  budgetingMethod: Timeslices\n  objectives: [{target: 0.9}]\n',
        ),
      ]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /bad-slo\.yaml:9:\d+ spec\.objectives\[0\]\.timeSliceTarget: required with budgetingMethod Timeslices/);
      const fixture = await s.cli(['apply', '-f', `${FIXTURES}/openslo/ratio-timeslices.yaml`]);
      assert.equal(fixture.code, 0, fixture.stderr);
      const back = await s.cli(['get', 'slo', 'main-page', '-o', 'openslo']);
      assert.deepEqual(parse(back.stdout), parse(readFileSync(`${FIXTURES}/openslo/ratio-timeslices.yaml`, 'utf8')));
      // its `type: Any` source has no adapter: status says so instead of failing
      const st = await s.cli(['slo', 'status', 'main-page', '-o', 'json']);
      assert.match(JSON.parse(st.stdout).error, /no metric source adapter for type "any"/);
    });

    test('every OpenSLO example file applies through the CLI and exports back unchanged', async () => {
      for (const f of ['occurences-slo.yaml', 'ratio-timeslices.yaml', 'timeslices-slo.yaml', 'treat-low-traffic-timeslices-slo.yaml']) {
        const path = `${FIXTURES}/openslo/${f}`;
        const r = await s.cli(['apply', '-f', path]);
        assert.equal(r.code, 0, `${f}: ${r.stderr}`);
        const doc = parse(readFileSync(path, 'utf8'));
        const back = await s.cli(['get', 'slo', doc.metadata.name, '-o', 'openslo']);
        assert.deepEqual(parse(back.stdout), doc, f);
      }
      // the two examples named service-availability cannot be applied together
      const both = await s.cli(['apply', '-f', `${FIXTURES}/openslo`]);
      assert.equal(both.code, 2);
      assert.match(
        both.stderr,
        /treat-low-traffic-timeslices-slo\.yaml:4:\d+ metadata\.name: SLO "service-availability" is also defined at .*timeslices-slo\.yaml:5/,
      );
    });

    test('the OpenSLO SDK files (top-level lists of objects) apply through the CLI, or are refused precisely', async () => {
      for (const f of ['alert_conditions.yaml', 'alert_policies.yaml', 'data_sources.yaml', 'inline-input-v1_slo.yaml', 'slis.yaml', 'slos.yaml']) {
        const r = await s.cli(['apply', '-f', `${FIXTURES}/openslo-sdk/${f}`]);
        assert.equal(r.code, 0, `${f}: ${r.stderr}`);
      }
      const dup = await s.cli(['apply', '-f', `${FIXTURES}/openslo-sdk/services.yaml`]);
      assert.equal(dup.code, 2);
      assert.match(dup.stderr, /services\.yaml:24:\d+ metadata\.name: Service "[^"]+" is also defined at .*services\.yaml:\d+/);
    });

    test('an ErrorBudgetPolicy asks for approval on a dependent user-facing SLO; gate errors exit 2', async () => {
      const policy = `apiVersion: shipgate.dev/v1
kind: ErrorBudgetPolicy
metadata: {name: storefront-policy}
spec:
  selector: {services: [storefront]}
  rules:
    - {name: under-half, when: {budgetRemainingBelow: 0.5}, action: requireApproval}
`;
      const deployer = await s.token('deployer', 'dora');
      const refused = await s.cli(['apply', '-f', file('policy.yaml', policy)], { token: deployer });
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /may not change ErrorBudgetPolicy/);
      assert.equal((await s.cli(['apply', '-f', file('policy.yaml', policy)])).code, 0);
      // 10,000 storefront requests, 6 failed: budget 10, remaining 0.4
      const lines = points('storefront', T, 0, 100, 100, 100)
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      lines.find((p) => p.series === 'storefront.good')!.value = 94;
      assert.equal((await s.cli(['push', file('sf.jsonl', lines.map((l) => JSON.stringify(l)).join('\n'))])).code, 0);
      const g = await s.cli(['gate', 'storefront', '--at', iso(T), '-o', 'json']);
      assert.equal(g.code, 1, g.stdout);
      const r = JSON.parse(g.stdout);
      assert.equal(r.decision, 'requireApproval');
      assert.deepEqual(r.decidedBy, { slo: 'storefront-availability', policy: 'storefront-policy', rule: 'under-half' });
      assert.ok(Math.abs(r.slos[0].budgetRemaining - 0.4) < 1e-9);
      // checkout's release is held by the user-facing SLO of storefront, which depends on it
      const c = JSON.parse((await s.cli(['gate', 'checkout', '--at', iso(T), '-o', 'json'])).stdout);
      assert.equal(c.decision, 'requireApproval');
      assert.equal(c.slos[0].relation, 'dependent');
      const down = await s.cli(['gate', 'checkout'], { env: { SHIPGATE_SERVER: 'http://127.0.0.1:9' } });
      assert.equal(down.code, 2);
      assert.match(down.stderr, /gate could not decide/);
      assert.equal((await s.cli(['gate', 'checkout', '-o', 'xml'])).code, 2);
    });

    test('import sloth', async () => {
      const dry = await s.cli(['import', 'sloth', `${FIXTURES}/sloth/getting-started.yml`, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal(parse(dry.stdout).metadata.name, 'myservice-requests-availability');
      const r = await s.cli(['import', 'sloth', `${FIXTURES}/sloth/kubernetes-apiserver.yml`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /SLO\/k8s-apiserver-requests-latency created/);
    });
  });
}

describe('the alert loop started with the server', () => {
  test('notifies a firing alert without being asked', async () => {
    const rx = await startReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'slo-loop-'));
    const s = await startTestServer({ store: 'sqlite', clock: new ManualClock(T), options: { slo: { intervalMs: 100 } } });
    try {
      writeFileSync(join(dir, 'slo.yaml'), manifests(rx.url));
      writeFileSync(join(dir, 'bad.jsonl'), points('payments', T, 0, 60, 50, 100));
      assert.equal((await s.cli(['apply', '-f', join(dir, 'slo.yaml')])).code, 0);
      assert.equal((await s.cli(['push', join(dir, 'bad.jsonl')])).code, 0);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !rx.received.some((x) => x.path === '/alertmanager')) await new Promise((r) => setTimeout(r, 100));
      const am = rx.received.filter((x) => x.path === '/alertmanager');
      assert.equal(am.length, 1);
      assert.equal(am[0].body.alerts[0].status, 'firing');
      await new Promise((r) => setTimeout(r, 400)); // more ticks: still one notification
      assert.equal(rx.received.filter((x) => x.path === '/alertmanager').length, 1);
    } finally {
      await s.close();
      await rx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
