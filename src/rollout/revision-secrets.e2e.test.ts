import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { startTestServer, type TestServer } from '../testing/harness';
import { testStores } from '../testing/postgres';
import { baseSpec, TEST_ROLLOUT_OPTIONS } from './e2e-fixture';
import { rolloutRuntime } from './capability';
import { HOOKS } from '../core/hooks';
import { configHash } from './revision';

const SECRET = 'sk-live-do-not-show-42';

/**
 * Release config given as `{secret: true, value}`: stored and given to instances as is, the
 * change request's config hash covers the real value, readers other than admins see a marker.
 */
for (const store of await testStores()) {
  describe(`secret release config on ${store}`, () => {
    let s: TestServer;
    /** The server's keyed marker of a value. */
    const mark = (v: unknown) => s.server.ctx.secretMarker(v);
    before(async () => {
      s = await startTestServer({ store, options: { rollout: TEST_ROLLOUT_OPTIONS } });
      const content = stringify({
        apiVersion: 'shipgate.dev/v1',
        kind: 'Rollout',
        metadata: { name: 'shop-production' },
        spec: baseSpec({ target: { type: 'static', endpoints: { v1: ['http://127.0.0.1:9'] } } }),
      });
      const service = stringify({ apiVersion: 'shipgate.dev/v1', kind: 'Service', metadata: { name: 'shop' }, spec: {} });
      const r = await s.fetch('/api/v1/apply', {
        method: 'POST',
        body: JSON.stringify({
          files: [
            { name: 'service.yaml', content: service },
            { name: 'rollout.yaml', content },
          ],
        }),
      });
      assert.equal(r.status, 200, await r.clone().text());
    });
    after(() => s.close());

    test('a viewer sees a marker, an admin the value; the store and the config hash hold the real value', async () => {
      const deployer = await s.token('deployer', 'dora');
      const viewer = await s.token('viewer', 'vic');
      const approver = await s.token('approver', 'alice');
      const body = (changeId?: string) =>
        JSON.stringify({
          service: 'shop',
          version: 'v1',
          set: { API_KEY: { secret: true, value: SECRET }, GREETING: 'hello' },
          ...(changeId ? { changeId } : {}),
        });
      // The release opens a change request bound to the real config: its hash, never the marker's.
      const first = await s.fetch('/api/v1/releases', { method: 'POST', token: deployer, body: body() });
      assert.equal(first.status, 403, await first.clone().text());
      const changeId = ((await first.json()) as { details: { changeId: string } }).details.changeId;
      const change = await (await s.fetch(`/api/v1/changes/${changeId}`, { token: viewer })).text();
      assert.ok(!change.includes(SECRET), 'the change request shows no secret');
      assert.ok(change.includes(configHash({ API_KEY: SECRET, GREETING: 'hello' })), change);
      assert.equal(
        (await s.fetch(`/api/v1/changes/${changeId}/approve`, { method: 'POST', token: approver, body: JSON.stringify({ comment: 'ok' }) })).status,
        200,
      );
      const rel = await s.fetch('/api/v1/releases', { method: 'POST', token: deployer, body: body(changeId) });
      assert.equal(rel.status, 201, await rel.clone().text());
      assert.ok(!(await rel.text()).includes(SECRET));

      const asViewer = await s.fetch('/api/v1/rollouts/shop/history', { token: viewer });
      const text = await asViewer.text();
      assert.ok(!text.includes(SECRET), 'history shows the secret to a viewer');
      const rev = (JSON.parse(text) as { revisions: { config: Record<string, string>; secretKeys: string[] }[] }).revisions[0];
      assert.deepEqual(rev.config, { API_KEY: mark(SECRET), GREETING: 'hello' });
      assert.deepEqual(rev.secretKeys, ['API_KEY']);
      const cli = await s.cli(['rollout', 'history', 'shop', '-o', 'json'], { token: deployer });
      assert.equal(cli.code, 0, cli.stderr);
      assert.ok(!cli.stdout.includes(SECRET));

      const asAdmin = (await (await s.fetch('/api/v1/rollouts/shop/history')).json()) as { revisions: { config: Record<string, string> }[] };
      assert.equal(asAdmin.revisions[0].config.API_KEY, SECRET);
      const stored = await rolloutRuntime(s.server.ctx).store.revisions('shop', 'production');
      assert.equal(stored[0].config.API_KEY, SECRET, 'instances get the real value');
      // What a change request for this release binds to: the hash of the real config.
      const preview = s.server.ctx.services.get(HOOKS.revisionPreview)!;
      const b = await preview.preview({ service: 'shop', environment: 'production', version: 'v1', set: { API_KEY: SECRET, GREETING: 'hello' } });
      assert.equal(b.configHash, configHash({ API_KEY: SECRET, GREETING: 'hello' }));

      const audit = await (await s.fetch('/api/v1/audit/events?limit=5000', { token: viewer })).text();
      assert.ok(!audit.includes(SECRET), 'the audit log holds no secret');
    });

    test('a malformed secret value is refused with its field path', async () => {
      const res = await s.fetch('/api/v1/releases', {
        method: 'POST',
        body: JSON.stringify({ service: 'shop', version: 'v9', set: { API_KEY: { secret: 'yes', value: 1 } } }),
      });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /set\.API_KEY/);
    });
  });
}
