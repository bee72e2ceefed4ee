import { compareNames, type CatalogGraph } from './graph';

/** Formats the graph can be written in. */
export const EXPORT_FORMATS = ['dot', 'mermaid'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** Services drawn in red (e.g. single points of failure). */
  highlight?: ReadonlySet<string>;
}

/** Node ids sorted by service name, so that the output does not depend on store order. */
function sortedNodes(graph: CatalogGraph): number[] {
  return graph.names.map((_, i) => i).sort((a, b) => compareNames(graph.names[a], graph.names[b]));
}

function sortedEdges(graph: CatalogGraph): number[] {
  return graph.edges
    .map((_, i) => i)
    .sort(
      (a, b) =>
        compareNames(graph.names[graph.edges[a].from], graph.names[graph.edges[b].from]) ||
        compareNames(graph.names[graph.edges[a].to], graph.names[graph.edges[b].to]),
    );
}

/** A double-quoted Graphviz string. */
function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/**
 * Graphviz dot: edges point from dependent to dependency; hard edges solid, soft edges dashed
 * (labelled with their fallback); external services dashed, undeclared ones red and dotted.
 */
export function toDot(graph: CatalogGraph, options: ExportOptions = {}): string {
  const lines = ['digraph catalog {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];', '  edge [fontname="Helvetica", fontsize=10];'];
  for (const v of sortedNodes(graph)) {
    const name = graph.names[v];
    const s = graph.services[v];
    const attrs: string[] = [];
    const label = s?.tier !== undefined ? `${name}\ntier ${s.tier}` : name;
    attrs.push(`label=${dotString(label)}`);
    const styles: string[] = [];
    if (!s) styles.push('dotted');
    else if (s.external) styles.push('dashed');
    if (options.highlight?.has(name)) {
      styles.push('filled');
      attrs.push('color="#c00000"', 'fillcolor="#ffe0e0"');
    } else if (!s) attrs.push('color="#c00000"');
    if (styles.length) attrs.push(`style=${dotString(styles.join(','))}`);
    lines.push(`  ${dotString(name)} [${attrs.join(', ')}];`);
  }
  for (const id of sortedEdges(graph)) {
    const e = graph.edges[id];
    const attrs: string[] = [];
    if (e.kind === 'soft') attrs.push('style=dashed');
    if (e.fallback !== undefined) attrs.push(`label=${dotString(e.fallback)}`);
    lines.push(`  ${dotString(graph.names[e.from])} -> ${dotString(graph.names[e.to])}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** A Mermaid quoted label; `"` and `#` become entity codes, line breaks become spaces. */
function mermaidLabel(s: string): string {
  return `"${s.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/\r?\n/g, ' ')}"`;
}

/**
 * Mermaid flowchart: nodes get positional ids (service names may hold `.`, which Mermaid does not
 * accept in ids) and the name as label; hard edges `-->`, soft edges `-.->` with their fallback.
 */
export function toMermaid(graph: CatalogGraph, options: ExportOptions = {}): string {
  const lines = ['flowchart LR'];
  const id = new Map<number, string>();
  const external: string[] = [];
  const undeclared: string[] = [];
  const highlighted: string[] = [];
  sortedNodes(graph).forEach((v, i) => {
    const nodeId = `s${i}`;
    id.set(v, nodeId);
    const s = graph.services[v];
    const name = graph.names[v];
    const label = mermaidLabel(s?.tier !== undefined ? `${name} (tier ${s.tier})` : name);
    lines.push(s?.external ? `  ${nodeId}([${label}])` : `  ${nodeId}[${label}]`);
    if (!s) undeclared.push(nodeId);
    else if (s.external) external.push(nodeId);
    if (options.highlight?.has(name)) highlighted.push(nodeId);
  });
  for (const edgeId of sortedEdges(graph)) {
    const e = graph.edges[edgeId];
    const from = id.get(e.from)!;
    const to = id.get(e.to)!;
    if (e.kind === 'hard') lines.push(e.fallback !== undefined ? `  ${from} -- ${mermaidLabel(e.fallback)} --> ${to}` : `  ${from} --> ${to}`);
    else lines.push(e.fallback !== undefined ? `  ${from} -. ${mermaidLabel(e.fallback)} .-> ${to}` : `  ${from} -.-> ${to}`);
  }
  const classes: [string, string, string[]][] = [
    ['external', 'stroke-dasharray: 5 5', external],
    ['undeclared', 'stroke:#c00000,stroke-dasharray: 2 2', undeclared],
    ['spof', 'fill:#ffe0e0,stroke:#c00000', highlighted],
  ];
  for (const [name, style, ids] of classes) {
    if (!ids.length) continue;
    lines.push(`  classDef ${name} ${style}`);
    lines.push(`  class ${ids.join(',')} ${name}`);
  }
  return lines.join('\n') + '\n';
}

/** Writes the graph in the given format. */
export function exportGraph(graph: CatalogGraph, format: ExportFormat, options: ExportOptions = {}): string {
  return format === 'dot' ? toDot(graph, options) : toMermaid(graph, options);
}
