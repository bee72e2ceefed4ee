import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceRegistry, type ServerContext } from '../core/capability';
import { HOOKS, type AnalysisStepInput } from '../core/hooks';
import { SHIPGATE_API_VERSION } from '../core/kinds';
import { PrometheusSource } from '../metrics/prometheus-source';
import type { VersionWindow } from '../metrics/types';
import type { MetricsService } from '../core/metrics-service';
import type { StoredResource } from '../resources/resource-store';
import { ANALYSIS_TEMPLATE_KIND } from './analysis-kind';
import { AnalysisService } from './analysis-service';
import type { AnalysisTemplateSpecInput } from './analysis-template';
import { FakeAnalysisStore } from './testing/fake-analysis-store';

const T0 = Date.parse('2026-03-02T10:00:00Z'); // on a 10-second bucket boundary

const templates: Record<string, AnalysisTemplateSpecInput> = {
  threshold: {
    judge: 'threshold',
    interval: '10s',
    maxDuration: '30s',
    threshold: { metrics: [{ name: 'errors', measure: 'error-rate', failureCondition: 'result > baseline * 2' }] },
  },
  fragile: {
    judge: 'threshold',
    interval: '10s',
    maxDuration: '60s',
    limits: { consecutiveErrorLimit: 1 },
    threshold: { metrics: [{ name: 'errors', measure: 'error-rate', failureCondition: 'result > baseline * 2' }] },
  },
};

/** Requests and errors per version and 10-second interval; `broken` makes the source fail. */
class FakeMetrics {
  perInterval: Record<string, [number, number]> = { v1: [1000, 10], v2: [1000, 10] };
  broken = false;
  reads: { version?: string; fromMs: number; toMs: number }[] = [];
  async routerWindow(q: { route: string; version?: string; fromMs: number; toMs: number }): Promise<VersionWindow> {
    this.reads.push({ version: q.version, fromMs: q.fromMs, toMs: q.toMs });
    if (this.broken) throw new Error('metrics store unavailable');
    const [requests, errors] = this.perInterval[q.version ?? ''] ?? [0, 0];
    const n = (q.toMs - q.fromMs) / 10_000;
    return { requests: requests * n, errors: errors * n, counts: {}, latency: {} };
  }
}

/** What AnalysisService reads of its context: the template manifests, the metrics hook and its options. Nothing opens a database. */
function context(metrics: FakeMetrics): ServerContext {
  const services = new ServiceRegistry();
  // A fake of the one read the service makes (routerWindow); the rest of the port is never called.
  services.provide(HOOKS.metrics, metrics as unknown as MetricsService);
  const resources = {
    get: async (_v: string, kind: string, name: string): Promise<StoredResource | undefined> =>
      kind === ANALYSIS_TEMPLATE_KIND && templates[name]
        ? {
            manifest: { apiVersion: SHIPGATE_API_VERSION, kind, metadata: { name }, spec: templates[name] },
            hash: 'h',
            generation: 1,
            createdAt: '',
            updatedAt: '',
            updatedBy: 'admin',
          }
        : undefined,
  };
  return { services, resources, config: { options: { analysis: { settleMs: 1000 } } } } as unknown as ServerContext;
}

function setup() {
  const store = new FakeAnalysisStore();
  const metrics = new FakeMetrics();
  const noPrometheus = new PrometheusSource({
    fetchImpl: async () => {
      throw new Error('no network in unit tests');
    },
  });
  const service = new AnalysisService(context(metrics), noPrometheus, { store, transaction: (fn) => store.transaction(fn) });
  const input = (runId: string, template: string, nowMs: number): AnalysisStepInput => ({
    runId,
    template,
    service: 'shop',
    environment: 'production',
    route: 'shop',
    baselineVersion: 'v1',
    canaryVersion: 'v2',
    startedAtMs: T0,
    nowMs,
  });
  return { store, metrics, service, input, noPrometheus };
}

test('an interval is judged only once it has ended and settled', async () => {
  const { service, store, metrics, input } = setup();
  assert.equal((await service.evaluate(input('r1', 'threshold', T0 + 10_500))).verdict, 'continue');
  assert.deepEqual(await store.intervals('r1'), []);
  assert.equal(metrics.reads.length, 0);
  assert.equal((await service.evaluate(input('r1', 'threshold', T0 + 11_000))).verdict, 'continue');
  assert.deepEqual(
    (await store.intervals('r1')).map((i) => [i.index, i.fromMs - T0, i.toMs - T0]),
    [[0, 0, 10_000]],
  );
});

test('a bad canary fails in the first interval, and asking again answers the same without reading more', async () => {
  const { service, store, metrics, input } = setup();
  metrics.perInterval.v2 = [1000, 100];
  const r = await service.evaluate(input('bad', 'threshold', T0 + 11_000));
  assert.equal(r.verdict, 'fail', r.summary);
  const reads = metrics.reads.length;
  const again = await service.evaluate(input('bad', 'threshold', T0 + 60_000));
  assert.equal(again.verdict, 'fail');
  assert.equal(metrics.reads.length, reads);
  assert.equal((await store.intervals('bad')).length, 1);
  assert.equal((await store.getRun('bad'))?.verdict, 'fail');
});

test('intervals missed while nobody asked are judged in order in one call; a healthy canary passes at its maximum duration', async () => {
  const { service, store, input } = setup();
  const r = await service.evaluate(input('late', 'threshold', T0 + 31_000));
  assert.equal(r.verdict, 'pass', r.summary);
  assert.deepEqual(
    (await store.intervals('late')).map((i) => i.index),
    [0, 1, 2],
  );
  assert.deepEqual(
    (await store.intervals('late')).map((i) => i.input?.canary.requests),
    [1000, 1000, 1000],
  );
});

test('a failing metric source is an Error phase, not a failed release, and ends inconclusive past its limit', async () => {
  const { service, store, metrics, input } = setup();
  metrics.broken = true;
  assert.equal((await service.evaluate(input('err', 'fragile', T0 + 11_000))).verdict, 'continue');
  const r = await service.evaluate(input('err', 'fragile', T0 + 21_000));
  assert.equal(r.verdict, 'inconclusive');
  assert.match(r.summary, /consecutiveErrorLimit 1/);
  const rows = await store.intervals('err');
  assert.deepEqual(
    rows.map((i) => i.phase),
    ['Error', 'Error'],
  );
  assert.deepEqual(
    rows.map((i) => i.input),
    [null, null],
  );
});

test('a run another replica created first is used, not created twice', async () => {
  const { service, store, input, noPrometheus } = setup();
  await service.evaluate(input('shared', 'threshold', T0 + 11_000));
  // A second service over the same store, as a second server would be; its first read misses.
  const other = new AnalysisService(context(new FakeMetrics()), noPrometheus, { store, transaction: (fn) => store.transaction(fn) });
  const getRun = store.getRun.bind(store);
  let first = true;
  store.getRun = async (id) => (first ? ((first = false), undefined) : getRun(id));
  const r = await other.evaluate(input('shared', 'threshold', T0 + 21_000));
  assert.equal(r.verdict, 'continue');
  assert.deepEqual(
    (await store.intervals('shared')).map((i) => i.index),
    [0, 1],
  );
});

test('an unknown template is an error verdict and stores nothing', async () => {
  const { service, store, input } = setup();
  const r = await service.evaluate(input('x', 'nope', T0 + 11_000));
  assert.equal(r.verdict, 'error');
  assert.match(r.summary, /AnalysisTemplate "nope" not found/);
  assert.equal(await store.getRun('x'), undefined);
});
