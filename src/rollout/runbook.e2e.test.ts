/**
 * `shipgate rollout runbook S` on a real server with the shop as real processes: the runbook of a
 * release stuck mid-canary names the abort, starts the serving revision with the target's own
 * command (run here, it serves the right version), routes traffic to instances that really serve
 * it, never prints a secret value, and names whom to page.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startRolloutFixture, type RolloutFixture } from './e2e-fixture';
import type { Runbook } from './runbook';

const SECRET = 's3cr3t-runbook-value';

describe('the manual runbook of a release', () => {
  let f: RolloutFixture;
  let started: ChildProcess | undefined;
  before(async () => {
    f = await startRolloutFixture('sqlite', { ratePerSecond: 10 });
    await f.apply({ strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } } });
    const file = join(f.s.dataDir, 'service.yaml');
    writeFileSync(file, 'apiVersion: shipgate.dev/v1\nkind: Service\nmetadata: {name: shop}\nspec: {owner: team-shop, oncall: olga, tier: 2}\n');
    assert.equal((await f.s.cli(['apply', '-f', file])).code, 0);
    const res = await f.s.fetch('/api/v1/releases', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'shop', version: 'v1', set: { API_KEY: { secret: true, value: SECRET }, GREETING: 'hello' } }),
    });
    assert.equal(res.status, 201, await res.text());
    await f.until((s) => s.run?.phase === 'completed');
    assert.equal((await f.s.cli(['release', 'shop', '--version', 'v2'])).code, 0);
    await f.until((s) => s.run?.phase === 'paused');
  });
  after(async () => {
    started?.kill('SIGKILL');
    await f.close();
  });

  test('a paused release: abort, start v1 by hand, route to instances that serve v1, page the on-call', async () => {
    const viewer = await f.s.token('viewer', 'vic');
    const md = await f.s.cli(['rollout', 'runbook', 'shop'], { token: viewer });
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Manual runbook: shop in production/);
    assert.match(md.stdout, /Situation: the latest release \(v1 → v2, run \S+\) is paused/);
    assert.match(md.stdout, /Page: on-call olga, owner team-shop/);
    assert.match(md.stdout, /shipgate rollout abort shop --env production/);
    assert.doesNotMatch(md.stdout, new RegExp(SECRET), 'a secret value never appears');
    assert.match(md.stdout, /API_KEY="\$API_KEY"/);

    const book = JSON.parse((await f.s.cli(['rollout', 'runbook', 'shop', '-o', 'json'], { token: viewer })).stdout) as Runbook;
    assert.deepEqual(book.restore, { revision: 'shop.production.1', version: 'v1' });
    // The route step's RouteTable names instances that really serve v1.
    const route = book.steps.find((s) => s.title.startsWith('Put all traffic'))!;
    const yaml = route.commands
      .find((c) => c.startsWith('cat > '))!
      .split('\n')
      .slice(1, -1)
      .join('\n');
    const table = parse(yaml) as { spec: { routes: { name: string; backends: { version: string; weight: number; instances: string[] }[] }[] } };
    assert.equal(table.spec.routes[0].name, 'shop');
    const backend = table.spec.routes[0].backends[0];
    assert.equal(backend.weight, 100);
    assert.equal(backend.instances.length, 2);
    for (const u of backend.instances) {
      const r = await fetch(new URL('/healthz', u));
      assert.equal(((await r.json()) as { version: string }).version, 'v1', u);
    }
    // The start command, run as printed (in the foreground here, so the test owns the process), serves v1.
    const start = book.steps.find((s) => s.title.startsWith('Start'))!.commands[0]!;
    assert.match(start, /SHIPGATE_VERSION=v1 .*GREETING=hello .*node examples\/shop\/server\.js/);
    started = spawn('bash', ['-c', start.replace(/ &\)$/, ')')], { env: { ...process.env, API_KEY: 'from-the-vault' }, stdio: 'ignore' });
    const port = /PORT=(\d+)/.exec(start)![1];
    let version: string | undefined;
    for (let i = 0; i < 40 && !version; i++) {
      version = await fetch(`http://127.0.0.1:${port}/healthz`)
        .then(async (r) => ((await r.json()) as { version: string }).version)
        .catch(() => undefined);
      if (!version) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(version, 'v1');
    started.kill('SIGKILL');
  });

  test('after the abort: no abort step, the restored revision is still v1', async () => {
    assert.equal((await f.s.cli(['rollout', 'abort', 'shop'])).code, 0);
    await f.until((s) => s.run?.phase === 'rolledBack');
    const book = JSON.parse((await f.s.cli(['rollout', 'runbook', 'shop', '-o', 'json'])).stdout) as Runbook;
    assert.match(book.situation, /is rolledBack; rollback \(aborted\) at stage done/);
    assert.equal(book.steps[0]?.title.startsWith('Stop the release'), false);
    assert.equal(book.restore?.version, 'v1');
    const none = await f.s.cli(['rollout', 'runbook', 'nope']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no Rollout for service "nope"/);
  });
});
