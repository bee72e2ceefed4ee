import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { buildGraph, type EnvironmentNode } from './graph';
import { fixtureServices } from './catalog-fixture';
import { findSinglePointsOfFailure } from './spof';
import { blastRadius } from './blast-radius';
import { compositeAvailability } from './availability';
import { findDrift } from './drift';
import { availabilityReportSchema, blastRadiusSchema, driftReportSchema, spofReportSchema } from './graph-schemas';

// A catalog that produces every optional field and every reason kind.
const graph = buildGraph(
  fixtureServices({
    web: { deps: 'api recs~cached search~', tier: 1, sla: 0.999 },
    api: { deps: 'db ghost', tier: 1, sla: 0.999 },
    db: { deps: 'api~replica', sla: 0.9999 },
    recs: { sla: 0.99 },
    search: { deps: 'index', sla: 0.99 },
    index: { deps: 'search', sla: 0.99 },
  }),
);
const production: EnvironmentNode = {
  name: 'production',
  services: { web: { version: '1', instances: 2, configHash: 'a' }, api: { version: '2', instances: 1 }, search: { version: '1' } },
};
const staging: EnvironmentNode = { name: 'staging', services: { web: { version: '1', configHash: 'b' }, api: { version: '3' } } };

describe('graph response schemas keep every field of the reports', () => {
  const cases: [string, z.ZodType, unknown][] = [
    ['spof', spofReportSchema, findSinglePointsOfFailure(graph, production)],
    ['spof without environment', spofReportSchema, findSinglePointsOfFailure(graph)],
    ['blast radius', blastRadiusSchema, blastRadius(graph, 'db')],
    ['availability', availabilityReportSchema, compositeAvailability(graph, 'web', production)],
    ['drift', driftReportSchema, findDrift([production, staging])],
  ];
  for (const [name, schema, report] of cases) {
    test(name, () => assert.deepEqual(schema.parse(report), report));
  }

  test('the fixture exercises every reason kind', () => {
    const kinds = new Set(findSinglePointsOfFailure(graph, production).spofs.flatMap((s) => s.reasons.map((r) => r.kind)));
    assert.deepEqual([...kinds].sort(), ['cut-vertex', 'no-fallback', 'not-deployed', 'single-instance']);
  });
});
