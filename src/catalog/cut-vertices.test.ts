import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph, type CatalogGraph, type GraphEdge, type ServiceNode } from './graph';
import { findCutVertices } from './cut-vertices';
import { fixtureServices } from './catalog-fixture';

const hard = (e: GraphEdge) => e.kind === 'hard';

function cuts(g: CatalogGraph): Record<string, number[]> {
  return Object.fromEntries(findCutVertices(g, hard).map((c) => [g.names[c.node], c.pieces]));
}

describe('findCutVertices', () => {
  const cases: [string, Record<string, string>, Record<string, number[]>][] = [
    ['empty catalog', {}, {}],
    ['no hard edges', { a: 'b~', b: 'c~', c: '' }, {}],
    ['chain', { a: 'b', b: 'c', c: 'd', d: '' }, { b: [2, 1], c: [2, 1] }],
    ['direction is ignored', { a: 'b', c: 'b', b: '' }, { b: [1, 1] }],
    ['star', { x: 'a b c', a: '', b: '', c: '' }, { x: [1, 1, 1] }],
    ['triangle has none', { a: 'b', b: 'c', c: 'a' }, {}],
    ['two triangles sharing a vertex', { a: 'b', b: 'c', c: 'a', d: 'c', e: 'd c' }, { c: [2, 2] }],
    ['soft edges do not connect', { a: 'b', b: 'c~', c: 'd', d: '' }, {}],
    ['two cycles joined by a bridge', { a: 'b', b: 'c', c: 'a d', d: 'e', e: 'f', f: 'd' }, { c: [3, 2], d: [3, 2] }],
    ['both directions count once', { a: 'b', b: 'a c', c: '' }, { b: [1, 1] }],
    ['separate components', { a: 'b', b: 'c', c: '', x: 'y', y: 'z', z: '' }, { b: [1, 1], y: [1, 1] }],
    ['undeclared dependencies are nodes', { a: 'ghost', b: 'ghost' }, { ghost: [1, 1] }],
  ];
  for (const [name, spec, want] of cases) {
    test(name, () => assert.deepEqual(cuts(buildGraph(fixtureServices(spec))), want));
  }

  test('a chain of 50,000 services does not overflow the stack', () => {
    const n = 50_000;
    const services: ServiceNode[] = Array.from({ length: n }, (_, i) => ({
      name: `s${i}`,
      dependencies: i + 1 < n ? [{ service: `s${i + 1}`, kind: 'hard' }] : [],
    }));
    const found = findCutVertices(buildGraph(services), hard);
    assert.equal(found.length, n - 2);
    assert.deepEqual(found[0], { node: 1, pieces: [n - 2, 1] });
  });

  test('agrees with removing each vertex on random graphs', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 60; round++) {
      const n = 2 + Math.floor(random() * 14);
      const m = Math.floor(random() * n * 1.6);
      const deps: Record<string, Set<number>> = {};
      for (let i = 0; i < n; i++) deps[i] = new Set();
      for (let k = 0; k < m; k++) {
        const a = Math.floor(random() * n);
        const b = Math.floor(random() * n);
        if (a !== b) deps[a].add(b);
      }
      const services: ServiceNode[] = Object.entries(deps).map(([a, set]) => ({
        name: `n${a}`,
        dependencies: [...set].map((b) => ({ service: `n${b}`, kind: 'hard' as const })),
      }));
      const g = buildGraph(services);
      const want = bruteForce(g);
      const got = Object.fromEntries(findCutVertices(g, hard).map((c) => [c.node, c.pieces]));
      assert.deepEqual(got, want, `round ${round}: ${JSON.stringify(services)}`);
    }
  });
});

/** Pieces left by removing each vertex, from component counts: quadratic, obviously right. */
function bruteForce(g: CatalogGraph): Record<number, number[]> {
  const n = g.names.length;
  const adj: Set<number>[] = g.names.map(() => new Set());
  for (const e of g.edges) {
    adj[e.from].add(e.to);
    adj[e.to].add(e.from);
  }
  const componentSizes = (removed: number, start: number, seen: Uint8Array): number => {
    let size = 0;
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const v = stack.pop()!;
      size++;
      for (const w of adj[v]) if (w !== removed && !seen[w]) (seen[w] = 1), stack.push(w);
    }
    return size;
  };
  const result: Record<number, number[]> = {};
  for (let v = 0; v < n; v++) {
    if (!adj[v].size) continue;
    const seen = new Uint8Array(n);
    seen[v] = 1;
    const pieces: number[] = [];
    for (const w of adj[v]) if (!seen[w]) pieces.push(componentSizes(v, w, seen));
    if (pieces.length >= 2) result[v] = pieces.sort((a, b) => b - a);
  }
  return result;
}
