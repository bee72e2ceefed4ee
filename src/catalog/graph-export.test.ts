import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph } from './graph';
import { exportGraph, toDot, toMermaid } from './graph-export';
import { fixtureServices } from './catalog-fixture';

const graph = () =>
  buildGraph([
    ...fixtureServices({ orders: { deps: 'db payments~', tier: 1 }, db: '', payments: 'stripe', stripe: { external: true } }),
    {
      name: 'web.v2',
      dependencies: [
        { service: 'orders', kind: 'soft', fallback: 'say "later" #sorry' },
        { service: 'ghost', kind: 'hard' },
      ],
    },
  ]);

describe('toDot', () => {
  test('writes nodes sorted by name and edges styled by kind', () => {
    assert.equal(
      toDot(graph(), { highlight: new Set(['db']) }),
      [
        'digraph catalog {',
        '  rankdir=LR;',
        '  node [shape=box, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
        '  "db" [label="db", color="#c00000", fillcolor="#ffe0e0", style="filled"];',
        '  "ghost" [label="ghost", color="#c00000", style="dotted"];',
        '  "orders" [label="orders\\ntier 1"];',
        '  "payments" [label="payments"];',
        '  "stripe" [label="stripe", style="dashed"];',
        '  "web.v2" [label="web.v2"];',
        '  "orders" -> "db";',
        '  "orders" -> "payments" [style=dashed];',
        '  "payments" -> "stripe";',
        '  "web.v2" -> "ghost";',
        '  "web.v2" -> "orders" [style=dashed, label="say \\"later\\" #sorry"];',
        '}',
        '',
      ].join('\n'),
    );
  });
});

describe('toMermaid', () => {
  test('writes positional ids, labels, edge kinds and classes', () => {
    assert.equal(
      toMermaid(graph(), { highlight: new Set(['db']) }),
      [
        'flowchart LR',
        '  s0["db"]',
        '  s1["ghost"]',
        '  s2["orders (tier 1)"]',
        '  s3["payments"]',
        '  s4(["stripe"])',
        '  s5["web.v2"]',
        '  s2 --> s0',
        '  s2 -.-> s3',
        '  s3 --> s4',
        '  s5 --> s1',
        '  s5 -. "say #quot;later#quot; #35;sorry" .-> s2',
        '  classDef external stroke-dasharray: 5 5',
        '  class s4 external',
        '  classDef undeclared stroke:#c00000,stroke-dasharray: 2 2',
        '  class s1 undeclared',
        '  classDef spof fill:#ffe0e0,stroke:#c00000',
        '  class s0 spof',
        '',
      ].join('\n'),
    );
  });

  test('a hard dependency with a fallback carries its label', () => {
    assert.match(toMermaid(buildGraph(fixtureServices({ a: 'b!stale', b: '' }))), /s0 -- "stale" --> s1/);
  });
});

describe('exportGraph', () => {
  const cases: ['dot' | 'mermaid', RegExp][] = [
    ['dot', /^digraph catalog \{/],
    ['mermaid', /^flowchart LR\n/],
  ];
  for (const [format, want] of cases) test(format, () => assert.match(exportGraph(graph(), format), want));
  test('an empty catalog is still a valid document', () => {
    assert.equal(toMermaid(buildGraph([])), 'flowchart LR\n');
    assert.match(toDot(buildGraph([])), /^digraph catalog \{\n[\s\S]*\}\n$/);
  });
});
