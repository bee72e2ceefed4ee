import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canIDeploy, type ContractVerification } from './contract-matrix';

let n = 0;
const v = (provider: string, consumer: string, verdict: 'pass' | 'fail' = 'pass', at = ++n): ContractVerification => {
  const [ps, pv, pa = ''] = provider.split('@');
  const [cs, cv] = consumer.split('@');
  return {
    evidenceId: `vev_${String(at).padStart(20, '0')}`,
    provider: { service: ps, version: pv, artifact: pa },
    consumer: { service: cs, version: cv },
    verdict,
    summary: verdict === 'pass' ? 'ok' : '1 of 1 failing',
    recordedAtMs: at,
  };
};
const rows = (m: ReturnType<typeof canIDeploy>) => m.rows.map((r) => `${r.role}:${r.service}:${r.deployedVersion ?? '-'}:${r.status}`);
const shop2 = { service: 'shop', version: '2', artifact: '' };

test('as a provider: the consumer version serving decides, the latest verification of that pair wins', () => {
  const deployed = [{ service: 'web', version: '5', artifact: '' }];
  assert.deepEqual(rows(canIDeploy(shop2, 'prod', [v('shop@1', 'web@5')], deployed)), ['consumer:web:5:unverified']);
  assert.deepEqual(rows(canIDeploy(shop2, 'prod', [v('shop@2', 'web@4')], deployed)), ['consumer:web:5:unverified'], 'another consumer version says nothing');
  assert.deepEqual(rows(canIDeploy(shop2, 'prod', [v('shop@2', 'web@5'), v('shop@2', 'web@5', 'fail')], deployed)), ['consumer:web:5:failing']);
  const m = canIDeploy(shop2, 'prod', [v('shop@2', 'web@5', 'fail'), v('shop@2', 'web@5')], deployed);
  assert.equal(m.verdict, 'pass');
  assert.deepEqual(rows(m), ['consumer:web:5:verified']);
});

test('the artifact binds: a verification of another build of the version does not count', () => {
  const deployed = [{ service: 'web', version: '5', artifact: '' }];
  const built = { ...shop2, artifact: 'shop-2b.tgz' };
  assert.equal(canIDeploy(built, 'prod', [v('shop@2@shop-2a.tgz', 'web@5')], deployed).verdict, 'fail');
  assert.equal(canIDeploy(built, 'prod', [v('shop@2@shop-2b.tgz', 'web@5')], deployed).verdict, 'pass');
  // As a consumer, the provider's serving artifact is the one that must have been verified.
  const web6 = { service: 'web', version: '6', artifact: '' };
  const serving = [{ service: 'shop', version: '2', artifact: 'shop-2b.tgz' }];
  assert.deepEqual(rows(canIDeploy(web6, 'prod', [v('shop@2@shop-2a.tgz', 'web@6')], serving)), ['provider:shop:2:unverified']);
  assert.deepEqual(rows(canIDeploy(web6, 'prod', [v('shop@2@shop-2b.tgz', 'web@6')], serving)), ['provider:shop:2:verified']);
});

test('pairs: a consumer that does not serve never blocks; one the catalog no longer declares is left out; declared pairs without a pact are listed', () => {
  const vs = [v('shop@1', 'web@5'), v('shop@1', 'admin@3'), v('shop@1', 'batch@1')];
  const deployed = [
    { service: 'web', version: '5', artifact: '' },
    { service: 'batch', version: '1', artifact: '' },
  ];
  // batch no longer depends on shop; admin does not serve here; shop depends on stock without a pact.
  const declared = (s: string) => ({ web: ['shop'], batch: ['queue'], shop: ['stock'] })[s];
  const m = canIDeploy(shop2, 'prod', vs, deployed, declared);
  assert.deepEqual(rows(m), ['consumer:admin:-:not-deployed', 'consumer:web:5:unverified', 'provider:stock:-:no-contract']);
  assert.deepEqual(
    m.rows.map((r) => r.blocking),
    [false, true, false],
  );
  assert.match(m.summary, /1 of 1 contract\(s\) not verified \(consumer web 5: unverified\)/);
});

test('a service verified against itself is not a pair; no contracts at all is deployable', () => {
  const m = canIDeploy(shop2, 'prod', [v('shop@2', 'shop@2', 'fail')], [{ service: 'shop', version: '1', artifact: '' }]);
  assert.equal(m.verdict, 'pass');
  assert.deepEqual(m.rows, []);
});
