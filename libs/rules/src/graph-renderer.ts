import type { CompiledRule, RuleSet, TemplateKind } from './rule-set-types.js';

/** Output formats of {@link graph}. */
export type GraphFormat = 'mermaid' | 'dot';

interface Node {
  readonly id: string;
  readonly label: string;
  readonly shape: 'entity' | 'rule' | TemplateKind;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly dashed: boolean;
}

/**
 * Renders the dependency graph: entity → rule (labelled with its events), rule → each key, tag,
 * namespace and pattern it derives, and dashed cascade edges rule → entity. Deterministic text.
 */
export function graph(ruleSet: RuleSet, format: GraphFormat): string {
  const { nodes, edges } = collect(ruleSet);
  return format === 'mermaid' ? mermaid(nodes, edges) : dot(nodes, edges);
}

function collect(ruleSet: RuleSet): { nodes: Node[]; edges: Edge[] } {
  const nodes: Node[] = [];
  const edges: Edge[] = [];
  const targetIds = new Map<string, string>();
  for (const entity of [...ruleSet.entities.values()].sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    nodes.push({
      id: `e_${entity.name}`,
      label: `${entity.name}\n${entity.table}`,
      shape: 'entity',
    });
  }
  ruleSet.rules.forEach((rule, index) => {
    const id = `r${index}`;
    nodes.push({ id, label: ruleLabel(rule), shape: 'rule' });
    for (const entity of rule.entities) {
      const verbs = rule.on
        .filter((s) => s.startsWith(`${entity}.`))
        .map((s) => s.slice(entity.length + 1));
      edges.push({ from: `e_${entity}`, to: id, label: verbs.join(', '), dashed: false });
    }
    for (const target of rule.targets) {
      if (target.kind === 'cascade') {
        const params = target.params.map((p, i) => `$${i + 1}=${p.text}`).join(' ');
        const fallback =
          target.fallback === null
            ? ''
            : `\nfallback ${target.fallback.kind} ${target.fallback.template.source}`;
        edges.push({
          from: id,
          to: `e_${target.entity}`,
          label: `cascade ${params}`.trim() + fallback,
          dashed: true,
        });
        continue;
      }
      const name = `${target.kind} ${target.template.source}`;
      let targetId = targetIds.get(name);
      if (targetId === undefined) {
        targetId = `t${targetIds.size}`;
        targetIds.set(name, targetId);
        nodes.push({ id: targetId, label: name, shape: target.kind });
      }
      edges.push({ from: id, to: targetId, label: '', dashed: false });
    }
  });
  return { nodes, edges };
}

function ruleLabel(rule: CompiledRule): string {
  const when = rule.changed === null ? '' : `\nwhen changed: ${rule.changed.join(', ')}`;
  return `rule ${rule.name}${when}`;
}

const MERMAID_SHAPES: Record<Node['shape'], [string, string]> = {
  entity: ['[(', ')]'],
  rule: ['[', ']'],
  key: ['([', '])'],
  tag: ['{{', '}}'],
  namespace: ['[[', ']]'],
  pattern: ['[/', '/]'],
};

function mermaidText(text: string): string {
  const escaped = text
    .replace(/&/g, '#amp;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\n/g, '<br/>');
  return `"${escaped}"`;
}

function mermaid(nodes: readonly Node[], edges: readonly Edge[]): string {
  const lines = ['flowchart LR'];
  for (const node of nodes) {
    const [open, close] = MERMAID_SHAPES[node.shape];
    lines.push(`  ${node.id}${open}${mermaidText(node.label)}${close}`);
  }
  for (const edge of edges) {
    const arrow = edge.dashed ? '-.->' : '-->';
    const label = edge.label === '' ? '' : `|${mermaidText(edge.label)}|`;
    lines.push(`  ${edge.from} ${arrow}${label} ${edge.to}`);
  }
  return `${lines.join('\n')}\n`;
}

const DOT_SHAPES: Record<Node['shape'], string> = {
  entity: 'cylinder',
  rule: 'box',
  key: 'note',
  tag: 'hexagon',
  namespace: 'folder',
  pattern: 'parallelogram',
};

function dotText(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function dot(nodes: readonly Node[], edges: readonly Edge[]): string {
  const lines = ['digraph rules {', '  rankdir=LR;'];
  for (const node of nodes) {
    lines.push(`  ${node.id} [shape=${DOT_SHAPES[node.shape]}, label=${dotText(node.label)}];`);
  }
  for (const edge of edges) {
    const attributes = [`label=${dotText(edge.label)}`, ...(edge.dashed ? ['style=dashed'] : [])];
    lines.push(`  ${edge.from} -> ${edge.to} [${attributes.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
