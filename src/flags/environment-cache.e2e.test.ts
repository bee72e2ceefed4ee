import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../testing/harness';
import { FLAG_SERVICE } from './capability';
import { MAX_CACHED_ENVIRONMENTS, type FlagService } from './flag-service';

test('flag configurations read for many environment names stay bounded in memory', async () => {
  const s = await startTestServer();
  try {
    const service = s.server.ctx.services.get<FlagService>(FLAG_SERVICE)!;
    const names = Array.from({ length: MAX_CACHED_ENVIRONMENTS + 44 }, (_, i) => `made-up-${i}`);
    for (const env of names) {
      const res = await s.fetch(`/api/v1/sdk/flags?env=${env}`);
      assert.equal(res.status, 200, env);
    }
    assert.equal(service.cachedEnvironments(), MAX_CACHED_ENVIRONMENTS);
    // A dropped environment is built again when read.
    const again = await s.fetch(`/api/v1/sdk/flags?env=${names[0]}`);
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { environment: string }).environment, names[0]);
    assert.equal(service.cachedEnvironments(), MAX_CACHED_ENVIRONMENTS);
  } finally {
    await s.close();
  }
});
