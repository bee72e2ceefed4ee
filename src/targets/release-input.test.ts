import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDomainError } from '../core/errors';
import { checkReleaseInput } from './release-input';
import { targetSpec } from './target-spec';

test('checkReleaseInput names each refused field', () => {
  const withArtifact = targetSpec.parse({ type: 'process', command: ['node', 'server.js', '{artifact}'] });
  const plain = targetSpec.parse({ type: 'process', command: 'node server.js' });
  const stat = targetSpec.parse({ type: 'static', endpoints: { v1: ['http://10.0.0.1/'] } });
  const cases: [Parameters<typeof checkReleaseInput>[0], typeof plain, string[]][] = [
    [{ artifact: 'shop-1.tgz', set: { GREETING: 'hi' } }, withArtifact, []],
    [{}, withArtifact, ['artifact']],
    [{}, plain, []],
    [{ artifact: 'x;id' }, withArtifact, ['artifact']],
    [{ artifact: 'shop-1.tgz' }, plain, ['artifact']],
    [{ set: { LD_PRELOAD: '/x.so', OK: '1', NODE_OPTIONS: '' } }, plain, ['set.LD_PRELOAD', 'set.NODE_OPTIONS']],
    [{ set: { LD_PRELOAD: '/x.so' } }, stat, []],
    [{ artifact: 'http://10.0.0.1' }, stat, []],
    [{ artifact: 'http://10.0.0.2' }, stat, ['artifact']],
  ];
  for (const [input, target, paths] of cases) {
    let got: string[] = [];
    try {
      checkReleaseInput(input, target);
    } catch (e) {
      assert.ok(isDomainError(e) && e.code === 'INPUT_INVALID');
      got = ((e.details as { issues: { path: string }[] }).issues ?? []).map((i) => i.path);
    }
    assert.deepEqual(got, paths, JSON.stringify(input));
  }
});
