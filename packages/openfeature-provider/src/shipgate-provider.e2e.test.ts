import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/server-sdk';
import { startTestServer, type TestServer } from '../../../src/testing/harness';
import { ShipgateProvider } from './shipgate-provider';
import { openEventStream, type SseEvent } from './sse-client';
import { FLAG_SERVICE } from '../../../src/flags/capability';

import { applyFlagCatalog } from '../../../src/flags/flag-test-catalog';

const MANIFESTS = `apiVersion: shipgate.dev/v1
kind: FeatureFlag
metadata: { name: new-checkout, labels: { service: shop } }
spec:
  environments:
    production:
      enabled: true
      rules:
        - constraints: [{ contextName: plan, operator: IN, values: [pro] }]
---
apiVersion: shipgate.dev/v1
kind: FeatureFlag
metadata: { name: banner, labels: { service: shop } }
spec:
  valueType: string
  variants: { none: "", spring: "Spring sale" }
  defaultVariant: none
  serve: { variant: spring }
  environments:
    production: { enabled: true }
`;

/** Waits for the first event of a kind on a client, with a deadline. */
function nextEvent(domain: string, kind: ProviderEvents, timeoutMs = 5000): Promise<EventDetails> {
  const client = OpenFeature.getClient(domain);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.removeHandler(kind, handler);
      reject(new Error(`no ${kind} within ${timeoutMs} ms`));
    }, timeoutMs);
    const handler = (d?: EventDetails) => {
      clearTimeout(timer);
      client.removeHandler(kind, handler);
      resolve(d!);
    };
    client.addHandler(kind, handler);
  });
}

describe('ShipgateProvider against a real server', () => {
  let s: TestServer;
  let dir: string;
  let sdk: string;

  before(async () => {
    s = await startTestServer({ store: 'sqlite', options: { flags: { tickMs: 50 } } });
    dir = mkdtempSync(join(tmpdir(), 'shipgate-provider-'));
    await applyFlagCatalog(s, dir);
    writeFileSync(join(dir, 'flags.yaml'), MANIFESTS);
    const r = await s.cli(['apply', '-f', join(dir, 'flags.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    sdk = await s.token('sdk', 'shop', 'production');
  });
  after(async () => {
    await OpenFeature.close();
    await s.close();
  });

  test('evaluates locally with reasons, variants and error codes', async () => {
    const provider = new ShipgateProvider({ url: s.url, token: sdk, flushIntervalMs: 0 });
    await OpenFeature.setProviderAndWait('eval', provider);
    const client = OpenFeature.getClient('eval');
    const pro = await client.getBooleanDetails('new-checkout', false, { targetingKey: 'u1', plan: 'pro' });
    assert.deepEqual([pro.value, pro.reason, pro.variant], [true, 'TARGETING_MATCH', 'on']);
    const free = await client.getBooleanDetails('new-checkout', true, { targetingKey: 'u1', plan: 'free' });
    assert.deepEqual([free.value, free.reason, free.variant], [false, 'DEFAULT', 'off']);
    const banner = await client.getStringDetails('banner', 'x', {});
    assert.deepEqual([banner.value, banner.reason, banner.variant], ['Spring sale', 'STATIC', 'spring']);
    const missing = await client.getBooleanDetails('ghost', true, {});
    assert.deepEqual([missing.value, missing.reason, missing.errorCode], [true, 'ERROR', 'FLAG_NOT_FOUND']);
    const wrongType = await client.getNumberDetails('banner', 7, {});
    assert.deepEqual([wrongType.value, wrongType.errorCode], [7, 'TYPE_MISMATCH']);
    await provider.onClose();
  });

  test('kill switch reaches the provider by server-sent events with the changed key', async () => {
    const provider = new ShipgateProvider({ url: s.url, token: sdk, flushIntervalMs: 0 });
    await OpenFeature.setProviderAndWait('kill', provider);
    const client = OpenFeature.getClient('kill');
    assert.equal(await client.getBooleanValue('new-checkout', false, { plan: 'pro' }), true);
    const changed = nextEvent('kill', ProviderEvents.ConfigurationChanged);
    const oncall = await s.token('oncall', 'olga');
    const r = await s.cli(['flag', 'kill', 'new-checkout', '--env', 'production'], { token: oncall });
    assert.equal(r.code, 0, r.stderr);
    const ev = await changed;
    assert.deepEqual(ev.flagsChanged, ['new-checkout']);
    const d = await client.getBooleanDetails('new-checkout', true, { plan: 'pro' });
    assert.deepEqual([d.value, d.reason], [false, 'DISABLED']);
    const en = await s.cli(['flag', 'enable', 'new-checkout', '--env', 'production']);
    assert.equal(en.code, 0, en.stderr);
    await provider.onClose();
  });

  test('the configuration endpoint answers 304 to its ETag; the stream resumes from Last-Event-ID', async () => {
    const res = await s.fetch('/api/v1/sdk/flags', { token: sdk });
    const etag = res.headers.get('etag')!;
    assert.equal(res.status, 200);
    assert.equal((await s.fetch('/api/v1/sdk/flags', { token: sdk, headers: { 'if-none-match': etag } })).status, 304);
    const flags = s.server.ctx.services.get(FLAG_SERVICE)!;
    const subscribersBefore = flags.subscriberCount();
    const events: SseEvent[] = [];
    const abort = new AbortController();
    const conn = await openEventStream(`${s.url}/api/v1/sdk/flags/stream`, {
      headers: { authorization: `Bearer ${sdk}`, 'last-event-id': etag },
      signal: abort.signal,
      onEvent: (e) => events.push(e),
    });
    assert.equal(conn.status, 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(events.length, 0, 'nothing new since Last-Event-ID');
    assert.equal((await s.cli(['flag', 'disable', 'banner', '--env', 'production'])).code, 0);
    const deadline = Date.now() + 5000;
    while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(events[0]?.event, 'config');
    assert.notEqual(events[0].id, etag);
    // The server names the changed keys, since it knows this stream had the previous configuration.
    assert.equal(events[0].changed, '["banner"]');
    const banner = (JSON.parse(events[0].data) as { flags: Array<{ key: string; environment: { enabled: boolean } }> }).flags.find((f) => f.key === 'banner');
    assert.equal(banner?.environment.enabled, false);
    assert.equal(flags.subscriberCount(), subscribersBefore + 1);
    abort.abort();
    await conn.done;
    // The server lets go of the subscription when the client leaves.
    const until = Date.now() + 3000;
    while (flags.subscriberCount() > subscribersBefore && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.equal(flags.subscriberCount(), subscribersBefore);
    assert.equal((await s.cli(['flag', 'enable', 'banner', '--env', 'production'])).code, 0);
  });

  test('evaluation counts are flushed to the server', async () => {
    const provider = new ShipgateProvider({ url: s.url, token: sdk, flushIntervalMs: 0 });
    await OpenFeature.setProviderAndWait('counts', provider);
    const client = OpenFeature.getClient('counts');
    for (let i = 0; i < 3; i++) await client.getStringValue('banner', '', {});
    await provider.flush();
    const show = JSON.parse((await s.cli(['flag', 'show', 'banner', '--env', 'production', '-o', 'json'])).stdout) as {
      evaluations: Array<{ variant: string; count: number }>;
    };
    assert.ok((show.evaluations.find((e) => e.variant === 'spring')?.count ?? 0) >= 3, JSON.stringify(show.evaluations));
    await provider.onClose();
  });
});

describe('ShipgateProvider offline fallback', () => {
  test('serves the last-known configuration from disk when the server is down, with PROVIDER_STALE', async () => {
    const s = await startTestServer({ store: 'sqlite' });
    const dir = mkdtempSync(join(tmpdir(), 'shipgate-provider-offline-'));
    const cacheFile = join(dir, 'cache', 'flags.json');
    try {
      await applyFlagCatalog(s, dir);
      writeFileSync(join(dir, 'flags.yaml'), MANIFESTS);
      assert.equal((await s.cli(['apply', '-f', join(dir, 'flags.yaml')])).code, 0);
      const sdk = await s.token('sdk', 'shop', 'production');
      const first = new ShipgateProvider({ url: s.url, token: sdk, cacheFile, flushIntervalMs: 0, reconnectMs: 50, maxReconnectMs: 200 });
      await OpenFeature.setProviderAndWait('offline-1', first);
      assert.ok(existsSync(cacheFile));
      const stale = nextEvent('offline-1', ProviderEvents.Stale);
      await s.close();
      await stale;
      assert.equal(first.state, 'stale');
      const c1 = OpenFeature.getClient('offline-1');
      assert.equal(await c1.getBooleanValue('new-checkout', false, { plan: 'pro' }), true, 'keeps evaluating while the server is down');

      // A new process start with the server down: initialised from disk.
      const second = new ShipgateProvider({ url: s.url, token: sdk, cacheFile, flushIntervalMs: 0, initTimeoutMs: 2000, reconnectMs: 50, maxReconnectMs: 200 });
      const staleAgain = nextEvent('offline-2', ProviderEvents.Stale);
      await OpenFeature.setProviderAndWait('offline-2', second);
      const c2 = OpenFeature.getClient('offline-2');
      const d = await c2.getStringDetails('banner', 'x', {});
      assert.deepEqual([d.value, d.reason], ['Spring sale', 'STATIC']);
      await staleAgain;

      // Without a cache and without a server, initialisation fails: PROVIDER_ERROR.
      const third = new ShipgateProvider({
        url: s.url,
        token: sdk,
        cacheFile: join(dir, 'none.json'),
        flushIntervalMs: 0,
        initTimeoutMs: 300,
        reconnectMs: 50,
      });
      const err = nextEvent('offline-3', ProviderEvents.Error);
      await assert.rejects(OpenFeature.setProviderAndWait('offline-3', third));
      await err;
      const c3 = OpenFeature.getClient('offline-3');
      const e = await c3.getBooleanDetails('new-checkout', true, {});
      assert.equal(e.value, true);
      assert.equal(e.reason, 'ERROR');
      await Promise.all([first.onClose(), second.onClose(), third.onClose()]);
    } finally {
      await s.close();
    }
  });
});
