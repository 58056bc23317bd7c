// Draws a statechart as SVG. Non-final top-level states sit on one row in order of their longest
// path from the initial state (the happy path reads left to right); final states sit on a second
// row under the first state that reaches them. Child states are listed inside their parent;
// active states are lit. Transitions: arcs above the row, drops to the final row, event names as
// labels (all of them in each edge's tooltip).
import { s } from './dom.ts';
import type { StatechartNode } from './types.ts';

const BOX_W = 138;
const COL_GAP = 58;
const HEAD = 32;
const SUB_H = 19;
const TOP = 70;

interface Placed {
  readonly node: StatechartNode;
  readonly col: number;
  readonly row: number;
  x: number;
  y: number;
  h: number;
}

function topLevelOf(id: string, roots: readonly StatechartNode[]): StatechartNode | undefined {
  return roots.find((r) => id === r.id || id.startsWith(`${r.id}.`));
}

function allTransitions(node: StatechartNode): { event: string; targets: readonly string[] }[] {
  return [...node.transitions, ...node.children.flatMap(allTransitions)];
}

function boxHeight(node: StatechartNode): number {
  return HEAD + node.children.length * SUB_H + (node.children.length > 0 ? 6 : 0);
}

export function drawStatechart(root: StatechartNode, active: ReadonlySet<string>): SVGElement {
  const states = root.children.length > 0 ? root.children : [root];
  const successors = new Map<string, Map<string, Set<string>>>();
  for (const st of states) {
    const out = new Map<string, Set<string>>();
    for (const t of allTransitions(st)) {
      for (const target of t.targets) {
        const top = topLevelOf(target, states);
        if (!top || top === st) continue;
        const events = out.get(top.id) ?? new Set<string>();
        events.add(t.event === 'always' ? '(always)' : t.event);
        out.set(top.id, events);
      }
    }
    successors.set(st.id, out);
  }
  const isFinal = (n: StatechartNode) => n.type === 'final';
  const start = states.find((st) => st.id === root.initial) ?? states[0]!;

  // Longest path over non-final states, ignoring edges that close a cycle.
  const col = new Map<string, number>([[start.id, 0]]);
  const visit = (id: string, depth: number, path: Set<string>) => {
    for (const next of successors.get(id)?.keys() ?? []) {
      const node = states.find((n) => n.id === next)!;
      if (isFinal(node) || path.has(next)) continue;
      if ((col.get(next) ?? -1) < depth + 1) {
        col.set(next, depth + 1);
        visit(next, depth + 1, new Set([...path, next]));
      }
    }
  };
  visit(start.id, 0, new Set([start.id]));
  let lastCol = Math.max(0, ...col.values());
  for (const st of states) if (!isFinal(st) && !col.has(st.id)) col.set(st.id, ++lastCol);

  const placed = new Map<string, Placed>();
  const used = new Set<string>();
  for (const st of states.filter((n) => !isFinal(n))) {
    const c = col.get(st.id)!;
    let row = 0;
    while (used.has(`${c}:${row}`)) row++;
    used.add(`${c}:${row}`);
    placed.set(st.id, { node: st, col: c, row, x: 0, y: 0, h: boxHeight(st) });
  }
  const mainRows = Math.max(1, ...[...placed.values()].map((p) => p.row + 1));
  for (const st of states.filter(isFinal)) {
    const sources = [...placed.values()]
      .filter((p) => successors.get(p.node.id)?.has(st.id))
      .map((p) => p.col);
    let c = sources.length > 0 ? Math.min(...sources) : 0;
    while (used.has(`${c}:${mainRows}`)) c++;
    used.add(`${c}:${mainRows}`);
    placed.set(st.id, { node: st, col: c, row: mainRows, x: 0, y: 0, h: boxHeight(st) });
  }
  const rowHeights: number[] = [];
  for (const p of placed.values()) rowHeights[p.row] = Math.max(rowHeights[p.row] ?? 0, p.h);
  const rowY: number[] = [];
  let y = TOP;
  for (let r = 0; r < rowHeights.length; r++) {
    rowY[r] = y;
    y += (rowHeights[r] ?? 0) + (r === rowHeights.length - 2 ? 90 : 40);
  }
  for (const p of placed.values()) {
    p.x = 16 + p.col * (BOX_W + COL_GAP);
    p.y = rowY[p.row]!;
  }
  const cols = Math.max(...[...placed.values()].map((p) => p.col)) + 1;
  const width = 32 + cols * (BOX_W + COL_GAP) - COL_GAP;
  const height = y;
  const svg = s('svg', {
    class: 'chart-svg',
    viewBox: `0 0 ${width} ${height}`,
    'data-machine': root.id,
    style: `max-width:${width * 1.15}px`,
  });
  const marker = `arrow-${root.id}`;
  svg.append(
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: marker,
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#5c7590' }),
      ),
    ),
  );

  const edgeLayer = s('g');
  let arc = 0;
  for (const from of placed.values()) {
    for (const [targetId, events] of successors.get(from.node.id) ?? []) {
      const to = placed.get(targetId);
      if (!to) continue;
      const label = [...events].join(', ');
      let d: string;
      let lx: number;
      let ly: number;
      let showLabel = true;
      if (to.row === from.row && to.col === from.col + 1) {
        d = `M${from.x + BOX_W},${from.y + HEAD / 2} L${to.x},${to.y + HEAD / 2}`;
        lx = (from.x + BOX_W + to.x) / 2;
        ly = from.y + HEAD / 2 - 6;
      } else if (to.row === from.row) {
        // Skips columns (or goes back): an arc over the row.
        arc++;
        const lift = 18 + (arc % 3) * 14;
        const x1 = from.x + BOX_W / 2 + 14;
        const x2 = to.x + BOX_W / 2 - 14;
        d = `M${x1},${from.y} C${x1},${from.y - lift - 10} ${x2},${to.y - lift - 10} ${x2},${to.y}`;
        lx = (x1 + x2) / 2;
        ly = from.y - lift - 2;
        showLabel = false;
      } else {
        const x1 = from.x + BOX_W / 2 + (to.col < from.col ? -20 : to.col > from.col ? 20 : 0);
        const y1 = from.y + from.h;
        const x2 = to.x + BOX_W / 2 + (from.col - to.col) * 6;
        const y2 = to.y;
        d = `M${x1},${y1} C${x1},${y1 + 40} ${x2},${y2 - 40} ${x2},${y2}`;
        lx = x2;
        ly = y2 - 8;
        showLabel = false;
      }
      const path = s('path', { class: 'edge', d, 'marker-end': `url(#${marker})` });
      path.append(s('title', {}, `${from.node.key} → ${to.node.key}: ${label}`));
      edgeLayer.append(path);
      if (showLabel) {
        const short = label.length > 12 ? `${label.slice(0, 11)}…` : label;
        const text = s('text', { class: 'edge-label', x: lx, y: ly, 'text-anchor': 'middle' }, short);
        text.append(s('title', {}, label));
        edgeLayer.append(text);
      }
    }
  }
  svg.append(edgeLayer);

  for (const p of placed.values()) {
    const isActive = active.has(p.node.id);
    const g = s('g', {
      class: `state${isActive ? ' active' : ''}${isFinal(p.node) ? ' final' : ''}`,
      'data-state': p.node.id,
    });
    g.append(s('rect', { x: p.x, y: p.y, width: BOX_W, height: p.h, rx: 8 }));
    g.append(
      s('text', { x: p.x + 12, y: p.y + 20, 'font-weight': 600 }, p.node.key + (isFinal(p.node) ? ' ◉' : '')),
    );
    if (p.node.id === root.initial)
      svg.append(
        s('path', {
          class: 'edge',
          d: `M${p.x - 12},${p.y + HEAD / 2 - 22} L${p.x - 12},${p.y + HEAD / 2} L${p.x},${p.y + HEAD / 2}`,
          'marker-end': `url(#${marker})`,
        }),
      );
    p.node.children.forEach((child, i) => {
      const cy = p.y + HEAD + i * SUB_H;
      const sub = s('g', { class: `sub${active.has(child.id) ? ' active' : ''}`, 'data-state': child.id });
      sub.append(s('rect', { x: p.x + 8, y: cy, width: BOX_W - 16, height: SUB_H - 3, rx: 4 }));
      sub.append(s('text', { x: p.x + 14, y: cy + 12 }, child.key));
      g.append(sub);
    });
    svg.append(g);
  }
  return svg;
}
