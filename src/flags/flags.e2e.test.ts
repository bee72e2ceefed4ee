import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { ManualClock } from '../core/clock';
import { rolloutBucket } from './bucket';
import { applyFlagCatalog } from './flag-test-catalog';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const DAY = 86_400_000;

const MANIFESTS = `apiVersion: shipgate.dev/v1
kind: Segment
metadata: { name: staff }
spec:
  constraints:
    - { contextName: email, operator: STR_ENDS_WITH, values: ["@acme.io"] }
---
apiVersion: shipgate.dev/v1
kind: FeatureFlag
metadata: { name: new-checkout, labels: { service: shop } }
spec:
  type: release
  environments:
    production:
      enabled: true
      rules:
        - segments: [staff]
        - constraints: [{ contextName: country, operator: IN, values: [NO] }]
          rollout: { percentage: 50 }
    staging:
      enabled: true
---
apiVersion: shipgate.dev/v1
kind: FeatureFlag
metadata: { name: button-color, labels: { service: shop } }
spec:
  type: experiment
  valueType: string
  variants: { grey: grey, blue: blue, green: green }
  defaultVariant: grey
  serve: { split: [{ variant: blue, weight: 1 }, { variant: green, weight: 1 }] }
  environments:
    production: { enabled: true }
`;

for (const store of await testStores()) {
  describe(`flags on ${store}`, () => {
    let s: TestServer;
    let dir: string;
    const clock = new ManualClock(T0);
    const post = (path: string, body: unknown, token?: string, headers: Record<string, string> = {}) =>
      s.fetch(path, {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...headers },
        ...(token ? { token } : {}),
      });

    before(async () => {
      s = await startTestServer({ store, clock, options: { flags: { tickMs: 20 } } });
      dir = mkdtempSync(join(tmpdir(), 'shipgate-flags-'));
      await applyFlagCatalog(s, dir);
      writeFileSync(join(dir, 'flags.yaml'), MANIFESTS);
      const r = await s.cli(['apply', '-f', join(dir, 'flags.yaml')]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(() => s.close());

    test('a bad flag manifest is refused with the field at fault', async () => {
      writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: shipgate.dev/v1\nkind: FeatureFlag\nmetadata: { name: bad }\nspec:\n  defaultVariant: nope\n');
      const r = await s.cli(['apply', '-f', join(dir, 'bad.yaml')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /spec\.defaultVariant/);
      writeFileSync(
        join(dir, 'bad-seg.yaml'),
        'apiVersion: shipgate.dev/v1\nkind: FeatureFlag\nmetadata: { name: bad }\nspec:\n  environments:\n    production:\n      rules: [{ segments: [ghosts] }]\n',
      );
      const r2 = await s.cli(['apply', '-f', join(dir, 'bad-seg.yaml')]);
      assert.equal(r2.code, 2);
      assert.match(r2.stderr, /bad-seg\.yaml:7:\d+ spec\.environments\.production\.rules\[0\]\.segments\[0\]: unknown segment "ghosts"/);
    });

    test('a REGEX constraint RE2 cannot compile (backreference) is refused at apply with a 400 naming the field', async () => {
      const flag =
        'apiVersion: shipgate.dev/v1\nkind: FeatureFlag\nmetadata: { name: regex-flag, labels: { service: shop } }\nspec:\n  environments:\n    production:\n      enabled: true\n      rules:\n        - constraints: [{ contextName: email, operator: REGEX, value: "(a)\\\\1" }]\n';
      const res = await post('/api/v1/apply', { files: [{ name: 'regex.yaml', content: flag }] });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { code: string; details: { issues: Array<{ path: string; message: string; file?: string }> } };
      assert.equal(body.code, 'INPUT_INVALID');
      const issue = body.details.issues.find((i) => i.path === 'spec.environments.production.rules[0].constraints[0].value');
      assert.ok(issue, JSON.stringify(body));
      assert.match(issue.message, /not an RE2 regular expression/);
      assert.equal(issue.file, 'regex.yaml');
      const segment =
        'apiVersion: shipgate.dev/v1\nkind: Segment\nmetadata: { name: regex-seg }\nspec:\n  constraints: [{ contextName: email, operator: REGEX, value: "(?<=x)y" }]\n';
      const seg = await post('/api/v1/apply', { files: [{ name: 'seg.yaml', content: segment }] });
      assert.equal(seg.status, 400);
      assert.match(JSON.stringify(await seg.json()), /spec\.constraints\[0\]\.value/);
      // A pattern RE2 accepts, even one that backtracks badly elsewhere, is applied and answers.
      const ok = await post('/api/v1/apply', { files: [{ name: 'ok.yaml', content: flag.replace('(a)\\\\1', '(a+)+$') }] });
      assert.equal(ok.status, 200, await ok.text());
      const sdk = await s.token('sdk', 'shop', 'production');
      const ev = await post('/ofrep/v1/evaluate/flags/regex-flag', { context: { targetingKey: 'u', email: 'a'.repeat(50) + '!' } }, sdk);
      assert.equal(((await ev.json()) as { value: boolean }).value, false);
      // Other tests here count the flags of production.
      assert.equal((await s.fetch('/api/v1/resources/FeatureFlag/regex-flag', { method: 'DELETE' })).status, 200);
    });

    test('OFREP: targeting through a segment, a rule with rollout, default', async () => {
      const sdk = await s.token('sdk', 'shop', 'production');
      const ev = async (context: unknown) => (await (await post('/ofrep/v1/evaluate/flags/new-checkout', { context }, sdk)).json()) as Record<string, unknown>;
      assert.deepEqual(await ev({ targetingKey: 'u1', email: 'ann@acme.io' }), {
        key: 'new-checkout',
        value: true,
        reason: 'TARGETING_MATCH',
        variant: 'on',
        metadata: { environment: 'production' },
      });
      const other = await ev({ targetingKey: 'u1', country: 'SE' });
      assert.equal(other.reason, 'DEFAULT');
      assert.equal(other.value, false);
      for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) {
        const r = await ev({ targetingKey: id, country: 'NO' });
        const inRollout = rolloutBucket('new-checkout', id) <= 50;
        assert.equal(r.value, inRollout, id);
        assert.equal(r.reason, inRollout ? 'SPLIT' : 'DEFAULT');
      }
    });

    test('OFREP: variants, bulk evaluation with ETag', async () => {
      const sdk = await s.token('sdk', 'shop', 'production');
      const one = (await (await post('/ofrep/v1/evaluate/flags/button-color', { context: { targetingKey: 'user-7' } }, sdk)).json()) as {
        value: string;
        reason: string;
      };
      assert.ok(['blue', 'green'].includes(one.value));
      assert.equal(one.reason, 'SPLIT');
      const bulk = await post('/ofrep/v1/evaluate/flags', { context: { targetingKey: 'user-7' } }, sdk);
      assert.equal(bulk.status, 200);
      const etag = bulk.headers.get('etag')!;
      const body = (await bulk.json()) as { flags: Array<{ key: string; value: unknown }> };
      assert.deepEqual(body.flags.map((f) => f.key).sort(), ['button-color', 'new-checkout']);
      assert.equal(body.flags.find((f) => f.key === 'button-color')!.value, one.value);
      const again = await post('/ofrep/v1/evaluate/flags', { context: { targetingKey: 'user-7' } }, sdk, { 'if-none-match': etag });
      assert.equal(again.status, 304);
      const otherCtx = await post('/ofrep/v1/evaluate/flags', { context: { targetingKey: 'user-8' } }, sdk, { 'if-none-match': etag });
      assert.equal(otherCtx.status, 200);
    });

    test('OFREP errors: not found, parse error, invalid context, no environment, wrong environment', async () => {
      const sdk = await s.token('sdk', 'shop', 'production');
      const nf = await post('/ofrep/v1/evaluate/flags/nope', { context: {} }, sdk);
      assert.equal(nf.status, 404);
      assert.deepEqual(await nf.json(), { key: 'nope', errorCode: 'FLAG_NOT_FOUND', errorDetails: 'flag "nope" not found' });
      const bad = await post('/ofrep/v1/evaluate/flags/new-checkout', '{"context": ', sdk);
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { errorCode: string }).errorCode, 'PARSE_ERROR');
      const inv = await post('/ofrep/v1/evaluate/flags/new-checkout', { context: [1] }, sdk);
      assert.equal(inv.status, 400);
      assert.deepEqual(Object.keys((await inv.json()) as object).sort(), ['errorCode', 'errorDetails', 'key']);
      const noEnv = await post('/ofrep/v1/evaluate/flags/new-checkout', { context: {} });
      assert.equal(noEnv.status, 400);
      assert.equal(((await noEnv.json()) as { errorCode: string }).errorCode, 'INVALID_CONTEXT');
      const admin = await post('/ofrep/v1/evaluate/flags/new-checkout?env=staging', { context: {} });
      assert.equal(((await admin.json()) as { value: boolean }).value, true);
      const wrong = await post('/ofrep/v1/evaluate/flags/new-checkout?env=staging', { context: {} }, sdk);
      assert.equal(wrong.status, 403);
      const anon = await s.fetch('/ofrep/v1/evaluate/flags/new-checkout', {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
        token: null,
      });
      assert.equal(anon.status, 401);
      // An sdk token reads nothing but flags.
      assert.equal((await s.fetch('/api/v1/flags?env=production', { token: sdk })).status, 403);
    });

    test('kill switch: on-call kills through the CLI, evaluations turn DISABLED, audited; a viewer may not', async () => {
      const viewer = await s.token('viewer', 'vic');
      const refused = await s.cli(['flag', 'kill', 'new-checkout', '--env', 'production'], { token: viewer });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /may not/);
      const oncall = await s.token('oncall', 'olga');
      const r = await s.cli(['flag', 'kill', 'new-checkout', '--env', 'production', '--reason', 'checkout errors'], { token: oncall });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /killed/);
      const sdk = await s.token('sdk', 'shop', 'production');
      const ev = (await (await post('/ofrep/v1/evaluate/flags/new-checkout', { context: { email: 'ann@acme.io' } }, sdk)).json()) as Record<string, unknown>;
      assert.equal(ev.value, false);
      assert.equal(ev.reason, 'DISABLED');
      // Staging is untouched.
      const st = (await (await post('/ofrep/v1/evaluate/flags/new-checkout?env=staging', { context: {} })).json()) as Record<string, unknown>;
      assert.equal(st.value, true);
      const audit = (await (await s.fetch('/api/v1/audit/events?kind=FeatureFlag&name=new-checkout')).json()) as {
        items: Array<{ action: string; actor: string; details: { reason?: string } }>;
      };
      const kill = audit.items.find((e) => e.action === 'flag.kill');
      assert.ok(kill, JSON.stringify(audit.items.map((e) => e.action)));
      assert.equal(kill.actor, 'olga');
      assert.equal(kill.details.reason, 'checkout errors');
      const list = await s.cli(['flag', 'list', '--env', 'production', '-o', 'json']);
      const row = (JSON.parse(list.stdout) as Array<{ name: string; killed: boolean }>).find((f) => f.name === 'new-checkout');
      assert.equal(row?.killed, true);
      // On-call may kill but not re-enable.
      assert.notEqual((await s.cli(['flag', 'enable', 'new-checkout', '--env', 'production'], { token: oncall })).code, 0);
      const en = await s.cli(['flag', 'enable', 'new-checkout', '--env', 'production']);
      assert.equal(en.code, 0, en.stderr);
      const back = (await (await post('/ofrep/v1/evaluate/flags/new-checkout', { context: { email: 'ann@acme.io' } }, sdk)).json()) as Record<string, unknown>;
      assert.equal(back.value, true);
    });

    test('kill of an unknown environment or flag is refused precisely', async () => {
      const r = await s.cli(['flag', 'kill', 'new-checkout', '--env', 'mars']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /unknown environment "mars"/);
      const nf = await s.cli(['flag', 'kill', 'ghost', '--env', 'production']);
      assert.notEqual(nf.code, 0);
      assert.match(nf.stderr, /flag "ghost" not found/);
    });

    test('scheduled changes: enable at a time, change the percentage at a time', async () => {
      const sdk = await s.token('sdk', 'shop', 'production');
      const dis = await s.cli(['flag', 'disable', 'button-color', '--env', 'production']);
      assert.equal(dis.code, 0, dis.stderr);
      const at = new Date(clock.now() + 60_000).toISOString();
      const r1 = await s.cli(['flag', 'schedule', 'button-color', '--env', 'production', '--at', at, '--enable']);
      assert.equal(r1.code, 0, r1.stderr);
      const r2 = await s.cli(['flag', 'schedule', 'button-color', '--env', 'production', '--at', at, '--percentage', '0']);
      assert.equal(r2.code, 0, r2.stderr);
      assert.equal((await s.cli(['flag', 'schedule', 'button-color', '--env', 'production', '--at', at])).code, 2);
      const value = async () =>
        ((await (await post('/ofrep/v1/evaluate/flags/button-color', { context: { targetingKey: 'x' } }, sdk)).json()) as { reason: string }).reason;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await value(), 'DISABLED', 'not yet due');
      clock.advance(61_000);
      const deadline = Date.now() + 5000;
      // Both schedules run on the next tick; wait for the second.
      while ((await value()) !== 'DEFAULT' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // Enabled, and at 0% nobody is in the rollout.
      assert.equal(await value(), 'DEFAULT');
      const show = JSON.parse((await s.cli(['flag', 'show', 'button-color', '--env', 'production', '-o', 'json'])).stdout) as {
        schedules: Array<{ status: string }>;
        percentage: number;
      };
      assert.deepEqual(
        show.schedules.map((x) => x.status),
        ['done', 'done'],
      );
      assert.equal(show.percentage, 0);
    });

    test('evaluation counts are ingested in batches and the stale report uses them', async () => {
      const sdk = await s.token('sdk', 'shop', 'production');
      const r = await post('/api/v1/sdk/evaluations', { counts: [{ flag: 'new-checkout', variant: 'on', count: 5 }] }, sdk);
      assert.equal(r.status, 202);
      const bad = await post('/api/v1/sdk/evaluations', { counts: [{ flag: 'new-checkout', variant: 'on', count: -1 }] }, sdk);
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { message: string }).message, /counts\.0\.count|counts\[0\]\.count/);
      writeFileSync(
        join(dir, 'unused.yaml'),
        'apiVersion: shipgate.dev/v1\nkind: FeatureFlag\nmetadata: { name: unused, labels: { service: shop } }\nspec:\n  type: operational\n  environments:\n    production: { enabled: true }\n',
      );
      assert.equal((await s.cli(['apply', '-f', join(dir, 'unused.yaml')])).code, 0);
      clock.advance(30 * DAY);
      const deadline = Date.now() + 5000;
      let counts: Array<{ variant: string; count: number }> = [];
      while (Date.now() < deadline) {
        const show = JSON.parse((await s.cli(['flag', 'show', 'new-checkout', '--env', 'production', '-o', 'json'])).stdout) as {
          evaluations: Array<{ variant: string; count: number }>;
        };
        counts = show.evaluations;
        if (counts.find((c) => c.variant === 'on' && c.count > 5)) break;
        await new Promise((res) => setTimeout(res, 20));
      }
      // 5 reported + the OFREP evaluations this server counted itself.
      assert.ok(
        counts.find((c) => c.variant === 'on' && c.count > 5),
        JSON.stringify(counts),
      );
      const stale = await s.cli(['flag', 'stale', '--env', 'production', '-o', 'json']);
      assert.equal(stale.code, 0, stale.stderr);
      const rows = JSON.parse(stale.stdout) as Array<{ name: string; reasons: string[] }>;
      const byName = Object.fromEntries(rows.map((x) => [x.name, x.reasons]));
      assert.deepEqual(byName.unused, ['past-expected-lifetime', 'fully-rolled-out', 'never-evaluated']);
      assert.equal(byName['new-checkout'], undefined);
    });

    test('import unleash: dry run prints manifests; apply creates evaluable flags', async () => {
      const file = join(dir, 'unleash.json');
      writeFileSync(
        file,
        JSON.stringify({
          version: 2,
          features: [{ name: 'Beta.Search', enabled: true, strategies: [{ name: 'userWithId', parameters: { userIds: '42' } }] }],
        }),
      );
      const dry = await s.cli(['import', 'unleash', file, '--env', 'production', '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /kind: FeatureFlag/);
      assert.match(dry.stdout, /key: Beta\.Search/);
      const r = await s.cli(['import', 'unleash', file, '--env', 'production', '--service', 'shop']);
      assert.equal(r.code, 0, r.stderr);
      const sdk = await s.token('sdk', 'shop', 'production');
      const yes = (await (await post('/ofrep/v1/evaluate/flags/Beta.Search', { context: { targetingKey: '42' } }, sdk)).json()) as { value: boolean };
      const no = (await (await post('/ofrep/v1/evaluate/flags/Beta.Search', { context: { targetingKey: '43' } }, sdk)).json()) as { value: boolean };
      assert.deepEqual([yes.value, no.value], [true, false]);
    });

    test("production is the Environment resource's kind, never the name; an undeclared environment is production", async () => {
      const env = (name: string, kind: string) => `apiVersion: shipgate.dev/v1\nkind: Environment\nmetadata: { name: ${name} }\nspec: { kind: ${kind} }\n`;
      writeFileSync(join(dir, 'kind-envs.yaml'), `${env('prod-eu', 'staging')}---\n${env('eu-live', 'production')}`);
      const envs = await s.cli(['apply', '-f', join(dir, 'kind-envs.yaml')]);
      assert.equal(envs.code, 0, envs.stderr);
      // Unlabelled: a flag on in production must name its service, so only a non-production environment takes it.
      const onIn = async (environment: string) => {
        const file = join(dir, `on-in-${environment}.yaml`);
        writeFileSync(
          file,
          `apiVersion: shipgate.dev/v1\nkind: FeatureFlag\nmetadata: { name: kind-${environment} }\nspec:\n  environments:\n    ${environment}: { enabled: true }\n`,
        );
        return s.cli(['apply', '-f', file]);
      };
      const staging = await onIn('prod-eu');
      assert.equal(staging.code, 0, staging.stderr);
      for (const environment of ['eu-live', 'sandbox-7']) {
        const r = await onIn(environment);
        assert.equal(r.code, 2, `${environment}: ${r.stdout}`);
        assert.match(r.stderr, new RegExp(`on in ${environment}, a production environment`));
      }
    });
  });
}
