import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceRegistry, type ServerContext } from '../core/capability';
import { HOOKS, type GraphHook, type GraphView } from '../core/hooks';
import { MetricSourceRegistry } from '../metrics/metric-source';
import { SloService } from './slo-service';

const affected = (service: string) => ({ service, path: [service], kinds: [], depth: 1 });
/** A fake of the catalog's answer: checkout's blast radius is web (hard) and mobile (soft). */
const view = {
  blastRadius: (service: string) =>
    service === 'checkout' ? { service, hard: [affected('web')], soft: [affected('mobile')] } : { service, hard: [], soft: [] },
} as unknown as GraphView;

function sloService(graph?: GraphHook): SloService {
  const services = new ServiceRegistry();
  if (graph) services.provide(HOOKS.graph, graph);
  return new SloService({ services } as unknown as Pick<ServerContext, 'resources' | 'services' | 'clock'>, new MetricSourceRegistry());
}

describe('the SLO gate reads dependents from HOOKS.graph', () => {
  test('hard and soft dependents, sorted', async () => {
    assert.deepEqual(await sloService({ snapshot: async () => view }).dependents('checkout'), ['mobile', 'web']);
  });
  test("without the catalog there are none: the gate reads the service's own SLOs", async () => {
    assert.deepEqual(await sloService().dependents('checkout'), []);
  });
});
