import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StaticTarget } from './static-target';
import { staticTargetSpec } from './target-spec';
import { isTargetError } from './deploy-target';
import { makeRevision } from '../rollout/revision';

const servers: http.Server[] = [];
after(() => servers.forEach((s) => s.close()));
async function serve(status: number): Promise<string> {
  const s = http.createServer((_q, r) => r.writeHead(status).end());
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}
const rev = (version: string, artifact = '') => makeRevision({ service: 's', environment: 'e', number: 1, version, artifact, config: {}, createdAt: '' });

test('static target: URLs from the spec or the artifact, readiness checked, nothing started', async () => {
  const ok = await serve(200);
  const t = new StaticTarget(staticTargetSpec.parse({ type: 'static', endpoints: { v1: [ok] }, readiness: { httpGet: '/healthz', timeout: '500ms' } }));
  const list = await t.deploy(rev('v1'), 1);
  assert.deepEqual(
    list.map((i) => i.url),
    [ok],
  );
  assert.deepEqual((await t.health(rev('v1'))).ready, 1);
  const fromArtifact = await t.deploy(rev('v2', `${ok}, ${ok}`), 2);
  assert.equal(fromArtifact.length, 2);
  await t.teardown(rev('v1'));
  assert.deepEqual(await t.instances(rev('v1')), []);
});

test('static target: unknown version or unready URL fails as a target error', async () => {
  const bad = await serve(503);
  const t = new StaticTarget(staticTargetSpec.parse({ type: 'static', endpoints: { v1: [bad] }, readiness: { httpGet: '/', timeout: '300ms' } }));
  await assert.rejects(t.deploy(rev('v9'), 1), (e) => isTargetError(e) && /no URL for version "v9"/.test((e as Error).message));
  await assert.rejects(t.deploy(rev('v1'), 1), (e) => isTargetError(e) && /not ready after 300 ms/.test((e as Error).message));
});

test('static target: an artifact URL nobody listed in endpoints is never used (a revision stored before the release check)', async () => {
  const ok = await serve(200);
  const t = new StaticTarget(staticTargetSpec.parse({ type: 'static', endpoints: { v1: [ok] } }));
  await assert.rejects(
    t.deploy(rev('v2', `${ok} http://evil.example/`), 1),
    (e) => isTargetError(e) && /"http:\/\/evil\.example\/" is not listed in spec\.target\.endpoints/.test((e as Error).message),
  );
  assert.deepEqual(await t.instances(rev('v2', `${ok} http://evil.example/`)), []);
});
