/**
 * What a release may make the control-plane host run, through a real server, real releases and
 * real instance processes: an artifact is a reference put into one argument, never a command; the
 * command template is an admin's; instances get no server secrets.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { testStores } from '../testing/postgres';
import { baseSpec, startRolloutFixture, type RolloutFixture } from '../rollout/e2e-fixture';
import type { RolloutSpecInput } from '../rollout/rollout-spec';

/** An instance that answers its environment and arguments as JSON on PORT (any path). */
const INSTANCE = `import http from 'node:http';
http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ env: process.env, argv: process.argv.slice(2) }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

interface Body {
  code: string;
  message: string;
  details?: { issues?: { path: string; message: string }[]; path?: string; rule?: string };
}

for (const store of await testStores()) {
  describe(`process and static targets on ${store}`, () => {
    let f: RolloutFixture;
    let dir: string;
    let script: string;
    let deployer: string;
    const saved = { DATABASE_URL: process.env.DATABASE_URL, SG_E2E_CANARY: process.env.SG_E2E_CANARY };
    const target = (over: Record<string, unknown> = {}) => ({
      type: 'process' as const,
      command: ['node', script, '--artifact={artifact}', '--version={version}'],
      replicas: 1,
      readiness: { httpGet: '/healthz', timeout: '15s' },
      gracePeriod: '500ms',
      ...over,
    });

    before(async () => {
      // Secrets the server process holds: an instance must see neither.
      process.env.DATABASE_URL = 'postgres://shipgate:secret@db.internal/shipgate';
      process.env.SG_E2E_CANARY = 'leaked-from-the-server';
      dir = mkdtempSync(join(tmpdir(), 'sg-targets-e2e-'));
      script = join(dir, 'instance.mjs');
      writeFileSync(script, INSTANCE);
      f = await startRolloutFixture(store, { ratePerSecond: 1 });
      deployer = await f.s.token('deployer', 'dee');
      await f.apply({ target: target() });
    });
    after(async () => {
      await f.close();
      rmSync(dir, { recursive: true, force: true });
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });

    const release = (body: Record<string, unknown>, token?: string) =>
      f.s.fetch('/api/v1/releases', { method: 'POST', body: JSON.stringify({ service: 'shop', ...body }), token });
    const applyAs = async (token: string | undefined, spec: Partial<RolloutSpecInput>, name = 'shop-production') => {
      const content = stringify({ apiVersion: 'shipgate.dev/v1', kind: 'Rollout', metadata: { name }, spec: baseSpec(spec) });
      return f.s.fetch('/api/v1/apply', { method: 'POST', body: JSON.stringify({ files: [{ name: `${name}.yaml`, content }] }), token });
    };
    const stored = async (name = 'shop-production') =>
      (await (await f.s.fetch(`/api/v1/resources/rollout/${name}`)).json()) as { generation: number; manifest: { spec: { target: { command: unknown } } } };
    const runs = async () => ((await (await f.s.fetch('/api/v1/rollouts/shop/history')).json()) as { runs: unknown[] }).runs.length;

    test('an artifact written as a command is refused (400, field artifact), runs nothing and starts no release', async () => {
      const marker = join(dir, `pwned-${process.pid}`);
      for (const artifact of [`x; touch ${marker}`, `$(touch ${marker})`, `--require=${marker}`, 'builds/../../etc/passwd']) {
        const res = await release({ version: 'v1', artifact }, deployer);
        const body = (await res.json()) as Body;
        assert.equal(res.status, 400, `${artifact}: ${JSON.stringify(body)}`);
        assert.equal(body.code, 'INPUT_INVALID');
        assert.equal(body.details?.issues?.[0]?.path, 'artifact');
      }
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(existsSync(marker), false, 'the command never ran');
      assert.equal(await runs(), 0, 'no release started');
    });

    test('config keys that load code (LD_PRELOAD, NODE_OPTIONS) are refused naming the field', async () => {
      const res = await release({ version: 'v1', artifact: 'shop-1.tgz', set: { LD_PRELOAD: '/tmp/x.so', NODE_OPTIONS: '--require /tmp/x.js' } }, deployer);
      const body = (await res.json()) as Body;
      assert.equal(res.status, 400);
      assert.deepEqual(
        body.details?.issues?.map((i) => i.path),
        ['set.LD_PRELOAD', 'set.NODE_OPTIONS'],
      );
      assert.equal(await runs(), 0);
    });

    test('a reference reaches the instance as one literal argument; the instance sees its config and no server secrets', async () => {
      const artifact = 'registry.example/shop@sha256:0abc+build=7';
      const res = await release({ version: 'v1', artifact, set: { GREETING: 'hello' } });
      assert.equal(res.status, 201, await res.clone().text());
      await f.until((st) => st.run?.phase === 'completed', 60_000);
      const ledgerDir = join(f.s.dataDir, 'instances', 'shop.production');
      const [entry] = JSON.parse(readFileSync(join(ledgerDir, readdirSync(ledgerDir).find((n) => n.endsWith('.json'))!), 'utf8')) as {
        port: number;
        command: string[];
      }[];
      const seen = (await (await fetch(`http://127.0.0.1:${entry.port}/`)).json()) as { env: Record<string, string>; argv: string[] };
      assert.deepEqual(seen.argv, [`--artifact=${artifact}`, '--version=v1']);
      assert.equal(seen.env.GREETING, 'hello');
      assert.equal(seen.env.SHIPGATE_VERSION, 'v1');
      assert.equal(seen.env.PORT, String(entry.port));
      assert.equal(seen.env.DATABASE_URL, undefined, 'no DATABASE_URL');
      assert.equal(seen.env.SG_E2E_CANARY, undefined, 'nothing else of the server environment');
      assert.deepEqual(
        Object.keys(seen.env).filter((k) => !['PATH', 'HOME', 'TZ', 'LANG', 'PORT', 'SHIPGATE_VERSION', 'GREETING'].includes(k)),
        [],
      );
      // The instance's log holds its output: 0600 inside a 0700 folder.
      const logs = join(f.s.dataDir, 'logs');
      assert.equal(statSync(logs).mode & 0o777, 0o700);
      for (const n of readdirSync(logs)) assert.equal(statSync(join(logs, n)).mode & 0o777, 0o600, n);
      assert.equal(statSync(ledgerDir).mode & 0o777, 0o700);
    });

    test('a template written for a shell is refused when applied, naming spec.target.command', async () => {
      const before = await stored();
      const res = await applyAs(undefined, { target: target({ command: `node ${script} | tee /tmp/log` }) });
      const body = (await res.json()) as Body;
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(body.code, 'INPUT_INVALID');
      const issue = body.details!.issues!.find((i) => i.path === 'spec.target.command')!;
      assert.match(issue.message, /argv array|wrapper script/);
      assert.equal((await stored()).generation, before.generation, 'nothing stored');
    });

    test('a deployer may not introduce or change the command or cwd; an admin may; a deployer may change the steps', async () => {
      const before = await stored();
      for (const t of [target({ command: ['node', '-e', 'require("fs").writeFileSync("/tmp/x", "")'] }), target({ cwd: '/' })]) {
        const res = await applyAs(deployer, { target: t });
        const body = (await res.json()) as Body;
        assert.equal(res.status, 403, JSON.stringify(body));
        assert.equal(body.code, 'ROLE_NOT_ALLOWED');
        assert.equal(body.details?.path, 'spec.target.command');
      }
      const fresh = await applyAs(deployer, { target: target() }, 'shop-other');
      assert.equal(fresh.status, 403, 'a new Rollout with a process target is an introduction');
      assert.equal((await f.s.fetch('/api/v1/resources/rollout/shop-other')).status, 404);
      assert.equal((await stored()).generation, before.generation, 'nothing stored');

      const steps = await applyAs(deployer, { target: target({ replicas: 2 }), strategy: { canary: { steps: [{ setWeight: 50 }] } } });
      assert.equal(steps.status, 200, await steps.clone().text());
      assert.equal((await stored()).generation, before.generation + 1);

      const adminCmd = ['node', script, '--artifact={artifact}', '--version={version}', '--admin'];
      const admin = await applyAs(undefined, { target: target({ command: adminCmd }) });
      assert.equal(admin.status, 200, await admin.clone().text());
      assert.deepEqual((await stored()).manifest.spec.target.command, adminCmd);
    });

    test('an artifact is refused when the command has no {artifact}; a static artifact must be an approved endpoint', async () => {
      await applyAs(undefined, { target: target({ command: ['node', script] }) });
      const res = await release({ version: 'v2', artifact: 'shop-2.tar.gz' }, deployer);
      const body = (await res.json()) as Body;
      assert.equal(res.status, 400);
      assert.match(body.details!.issues![0].message, /no \{artifact\} placeholder/);

      const endpoints = { v1: ['http://127.0.0.1:9/'] };
      const stat = await applyAs(undefined, { service: 'web', target: { type: 'static', endpoints } }, 'web-production');
      assert.equal(stat.status, 200, await stat.clone().text());
      const evil = await f.s.fetch('/api/v1/releases', {
        method: 'POST',
        body: JSON.stringify({ service: 'web', version: 'v2', artifact: 'http://127.0.0.1:9/ https://evil.example/' }),
        token: deployer,
      });
      const eb = (await evil.json()) as Body;
      assert.equal(evil.status, 400, JSON.stringify(eb));
      assert.equal(eb.details?.issues?.[0]?.path, 'artifact');
      assert.match(eb.details!.issues![0].message, /evil\.example.*not one of the URLs listed in spec\.target\.endpoints/);
      const more = await applyAs(
        deployer,
        { service: 'web', target: { type: 'static', endpoints: { ...endpoints, v2: ['https://evil.example/'] } } },
        'web-production',
      );
      assert.equal(more.status, 403, 'a deployer may not add an endpoint');
      assert.equal(((await more.json()) as Body).details?.path, 'spec.target.endpoints');
    });
  });
}
