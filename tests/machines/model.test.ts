/**
 * Model-based coverage: the machines are their own models. xstate/graph explores every state
 * reachable with a representative set of events; every state node and every transition the
 * machine defines must be reached. States are serialised by value only (context differs on
 * every path, so serialising it would never end).
 */

import { describe, expect, it } from 'vitest';
import type { AnyStateMachine, AnyStateNode, Snapshot } from 'xstate';
import { getAdjacencyMap, toDirectedGraph } from 'xstate/graph';
import { positionMachine } from '../../machines/position/machine.ts';
import type { PositionEvent } from '../../machines/position/types.ts';
import { type SignalEvent, signalMachine } from '../../machines/signal/machine.ts';
import { fill, longPlan, request } from './fixtures.ts';

interface Edge {
  readonly source: string;
  readonly event: string;
  readonly target: string;
}

function definedEdges(machine: AnyStateMachine): Edge[] {
  const edges: Edge[] = [];
  const walk = (node: ReturnType<typeof toDirectedGraph>) => {
    for (const e of node.edges) edges.push({ source: e.source.id, event: e.label.text, target: e.target.id });
    for (const child of node.children) walk(child);
  };
  walk(toDirectedGraph(machine));
  return edges;
}

function allStateIds(machine: AnyStateMachine): string[] {
  const ids: string[] = [];
  const walk = (node: AnyStateNode) => {
    ids.push(node.id);
    for (const child of Object.values(node.states) as AnyStateNode[]) walk(child);
  };
  walk(machine.root);
  return ids;
}

type Explored = {
  state: Snapshot<unknown>;
  transitions: Record<string, { event: { type: string }; state: Snapshot<unknown> }>;
};

function coverage(machine: AnyStateMachine, maps: Record<string, Explored>[]) {
  const nodeIds = (s: Snapshot<unknown>) =>
    new Set(((s as unknown as { _nodes: AnyStateNode[] })._nodes ?? []).map((n) => n.id));
  const reachedStates = new Set<string>();
  const taken: { from: Set<string>; event: string; to: Set<string> }[] = [];
  for (const map of maps) {
    for (const value of Object.values(map)) {
      for (const id of nodeIds(value.state)) reachedStates.add(id);
      for (const t of Object.values(value.transitions)) {
        taken.push({ from: nodeIds(value.state), event: t.event.type, to: nodeIds(t.state) });
      }
    }
  }
  const missingStates = allStateIds(machine).filter((id) => !reachedStates.has(id));
  const missingEdges = definedEdges(machine).filter(
    (e) =>
      !taken.some(
        (t) => t.from.has(e.source) && t.to.has(e.target) && (t.event === e.event || e.event === ''),
      ),
  );
  return {
    missingStates,
    missingEdges,
    edgeCount: definedEdges(machine).length,
    stateCount: reachedStates.size,
  };
}

describe('model-based coverage', () => {
  it('reaches every state and transition of the position machine', () => {
    const events: PositionEvent[] = [
      { type: 'order.accepted', ts: 1, tag: 'p1-e0', orderId: 'o1' },
      { type: 'order.rejected', ts: 1, tag: 'p1-e0', reason: 'rejected', retryable: false },
      { type: 'order.cancelled', ts: 1, tag: 'p1-e0', orderId: 'o1' },
      fill('p1-e0', 100, 2, 2),
      { type: 'order.rejected', ts: 3, tag: 'p1-x1', reason: 'rejected', retryable: false },
      { type: 'order.cancelled', ts: 3, tag: 'p1-x1', orderId: 'x1' },
      fill('p1-x1', 100, 2, 3, 'sell'),
      fill('p1-s1', 99, 2, 3, 'sell'),
      fill('p1-s1', 99, 1, 3, 'sell'),
      {
        type: 'position.flattened',
        ts: 4,
        positionId: 'p1',
        quantity: 2,
        fills: [{ price: 98.5, quantity: 2 }],
        fees: 2.5,
        reason: 'closed by the broker',
      },
      // Another position's report changes nothing here.
      {
        type: 'position.flattened',
        ts: 4,
        positionId: 'p2',
        quantity: 2,
        fills: [],
        fees: 0,
        reason: 'closed by the broker',
      },
      // Part of it (the position stays open with less).
      {
        type: 'position.flattened',
        ts: 4,
        positionId: 'p1',
        quantity: 1,
        fills: [],
        fees: 1.25,
        reason: 'closed by the broker',
      },
      { type: 'tick', ts: 5, price: 99 },
      { type: 'tick', ts: 5, price: 101 },
      { type: 'tick', ts: 5, price: 102 },
      { type: 'tick', ts: 5, price: 103 },
      { type: 'tick', ts: 10_000, price: 100.5 },
      { type: 'clock', ts: 10_000 },
      { type: 'exit', ts: 6, reason: 'close_alert' },
      { type: 'cancel', ts: 6, reason: 'cancel alert' },
      { type: 'replace', ts: 6, signalId: 's2', plan: longPlan(1), expiresAt: 20_000 },
    ];
    const maps = [false, true].map(
      (closeAtTp3) =>
        getAdjacencyMap(positionMachine as never, {
          input: request(longPlan(2), { closeAtTp3 }),
          events,
          // By value, plus whether an exit was asked for: a pending cancel behaves differently then.
          serializeState: (snapshot: Snapshot<unknown>) => {
            const s = snapshot as unknown as { value: unknown; context: { exitReason: string | null } };
            return JSON.stringify(s.value) + (s.context.exitReason ? '+exit' : '');
          },
        }) as unknown as Record<string, Explored>,
    );
    const result = coverage(positionMachine, maps);
    expect(result.missingStates).toEqual([]);
    expect(result.missingEdges).toEqual([]);
    expect(result.edgeCount).toBeGreaterThan(40);
  });

  it('reaches every state and transition of the signal machine', () => {
    const events: SignalEvent[] = [
      { type: 'filter.rejected', ts: 1, reason: 'cooldown' },
      { type: 'ignore', ts: 1, reason: 'duplicate' },
      { type: 'engine.declined', ts: 1, reason: 'already long' },
      { type: 'engine.done', ts: 1, reason: 'closed', positionId: 'p1' },
      { type: 'execute', ts: 1, positionId: 'p1' },
      { type: 'order.accepted', ts: 2, orderId: 'o1' },
      { type: 'order.failed', ts: 2, reason: 'timeout', retryable: true },
      { type: 'order.failed', ts: 2, reason: 'rejected', retryable: false },
      { type: 'retry.due', ts: 100_000 },
    ];
    const map = getAdjacencyMap(signalMachine as never, {
      input: { signalId: 's1', ts: 0 },
      events,
      serializeState: (snapshot: Snapshot<unknown>) =>
        JSON.stringify((snapshot as unknown as { value: unknown }).value),
    }) as unknown as Record<string, Explored>;
    const result = coverage(signalMachine, [map]);
    expect(result.missingStates).toEqual([]);
    expect(result.missingEdges).toEqual([]);
  });
});
