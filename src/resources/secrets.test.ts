import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, sha256 } from '../core/ids';
import { isSecretMarker, markerKeyFrom, restoreSecrets, secretMarkerWith, redactManifest } from './secrets';

test('markers are keyed: stable per key, different across keys, not the plain hash a reader could test guesses against', () => {
  const a = secretMarkerWith(markerKeyFrom(Buffer.alloc(32, 1)));
  const b = secretMarkerWith(markerKeyFrom(Buffer.alloc(32, 2)));
  const v = 'hunter2';
  assert.equal(a(v), a(v));
  assert.notEqual(a(v), b(v));
  assert.notEqual(a(v), `secret:hmac:${sha256(canonicalJson(v)).slice(0, 12)}`);
  assert.ok(isSecretMarker(a(v)), a(v));
  assert.equal(isSecretMarker('secret:sha256:0123456789ab'), false);
});

test('a manifest read back with markers keeps the stored secret only under the same key', () => {
  const def = { secretPaths: ['spec.connectionDetails'] };
  const stored = { apiVersion: 'openslo/v1', kind: 'DataSource', metadata: { name: 'p' }, spec: { connectionDetails: { token: 's3cret' } } };
  const a = secretMarkerWith(markerKeyFrom(Buffer.alloc(32, 1)));
  const b = secretMarkerWith(markerKeyFrom(Buffer.alloc(32, 2)));
  const shown = redactManifest(def, stored, a);
  assert.deepEqual(shown.spec, { connectionDetails: { token: a('s3cret') } });
  assert.deepEqual(restoreSecrets(def, shown, stored, a).manifest, stored);
  assert.equal(restoreSecrets(def, shown, stored, b).issues.length, 1, 'a marker made under another key matches nothing');
});
