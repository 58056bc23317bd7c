/** The runtime → dashboard mapping and the actor observer, on a real engine runtime. */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { positionMachine } from '../../../machines/position/machine.ts';
import {
  ActorObserver,
  activeStateIds,
  statechartOf,
  stateLabel,
} from '../../../src/adapters/dashboard/actors.ts';
import {
  type DashboardEvent,
  dashboardEventsFromRuntime,
  toLivePosition,
} from '../../../src/adapters/dashboard/events.ts';
import type { BrokerEvent, EngineCommand } from '../../../src/domain/events.ts';
import { createEngineRuntime } from '../../../src/runtime/engine-runtime.ts';
import { longPlan, request } from '../../machines/fixtures.ts';

function engine() {
  const broker$ = new Subject<BrokerEvent>();
  const commands: EngineCommand[] = [];
  const observer = new ActorObserver({ now: () => -1 });
  const runtime = createEngineRuntime({
    clock: { now: () => 0, setTimeout: () => 0, clearTimeout: () => {}, scheduler: undefined as never },
    broker: { events$: broker$, execute: (c) => commands.push(c) },
    protectiveStops: 'local',
    inspect: observer.inspect,
  });
  const livePositions = () => runtime.positions().map(toLivePosition);
  const events: DashboardEvent[] = [];
  dashboardEventsFromRuntime({ outputs$: runtime.outputs$, livePositions }, { markEveryMs: 0 }).subscribe(
    (e) => events.push(e),
  );
  const fill = (price: number, quantity: number, ts: number) =>
    broker$.next({
      type: 'order.filled',
      ts,
      tag: 'p1-e0',
      orderId: 'o1',
      price,
      quantity,
      side: 'buy',
      fees: 1.25,
    });
  return { runtime, observer, events, fill, livePositions, commands, broker$ };
}

describe('dashboard events from the engine runtime', () => {
  it('reports an opened alert as an executed signal with its symbol', () => {
    const { runtime, events } = engine();
    runtime.open(request(longPlan(2)), 1_000);
    expect(events.find((e) => e.type === 'signal')).toMatchObject({
      type: 'signal',
      signalId: 's1',
      symbol: 'ES',
      status: 'EXECUTED',
      positionId: 'p1',
      ts: 1_000,
    });
  });

  it('reports each position change with the live ladder and mark-to-market P&L', () => {
    const { runtime, events, fill } = engine();
    runtime.open(request(longPlan(2)), 1_000);
    fill(100, 2, 1_010);
    runtime.tick('ES', 101, 1_020); // TP1: rung 1, stop to break-even
    const last = events.filter((e) => e.type === 'position').at(-1);
    expect(last?.type === 'position' && last.position).toMatchObject({
      positionId: 'p1',
      state: 'tp1',
      rung: 1,
      fillPrice: 100,
      filledQuantity: 2,
      lastPrice: 101,
      // 4 ticks × $12.50 × 2 contracts
      unrealizedPnl: 100,
    });
    expect(last?.type === 'position' && last.position.stop).toBeGreaterThan(99);
  });

  it('reports a finished position once, after which it is no longer live', () => {
    const { runtime, events, fill, livePositions, commands, broker$ } = engine();
    runtime.open(request(longPlan(1, { legs: [{ price: 100, quantity: 1 }], quantity: 1 })), 1_000);
    fill(100, 1, 1_010);
    runtime.tick('ES', 98.75, 1_030); // through the stop at 99: the ladder closes at market
    const exit = commands.find((c) => c.type === 'closePosition');
    expect(exit?.type).toBe('closePosition');
    if (exit?.type !== 'closePosition') return;
    broker$.next({
      type: 'order.filled',
      ts: 1_040,
      tag: exit.tag,
      orderId: 'x1',
      price: 98.75,
      quantity: 1,
      side: 'sell',
      fees: 1.25,
    });
    const finished = events.filter((e) => e.type === 'position.finished');
    expect(finished).toHaveLength(1);
    // 5 ticks against a long of 1 at $12.50, less $2.50 of fees
    expect(finished[0]).toMatchObject({
      positionId: 'p1',
      symbol: 'ES',
      state: 'closed',
      ts: 1_040,
      realizedPnl: -65,
    });
    expect(livePositions().filter((p) => p.state !== 'closed')).toEqual([]);
  });
});

describe('actor observer', () => {
  it('tracks each live actor state and records state changes only, in event time', () => {
    const { runtime, observer, fill } = engine();
    runtime.open(request(longPlan(2)), 1_000);
    fill(100, 2, 1_010);
    runtime.tick('ES', 100.25, 1_015); // a tick that changes no state
    runtime.tick('ES', 101, 1_020);
    const position = observer.actors().find((a) => a.machine === 'position');
    expect(position).toMatchObject({
      actorId: 'position:p1',
      state: 'tp1',
      activeStateIds: ['position.tp1'],
    });
    const changes = observer.transitions().filter((t) => t.actorId === 'position:p1');
    expect(changes.map((t) => `${t.from ?? '∅'}>${t.to}@${t.ts}`)).toEqual([
      '∅>pending_entry.working@1000',
      'pending_entry.working>active@1010',
      'active>tp1@1020',
    ]);
  });

  it('keeps a bounded history', () => {
    const observer = new ActorObserver({ historySize: 2 });
    const { runtime } = engine();
    runtime.open(request(longPlan(2)), 1);
    expect(observer.transitions().length).toBeLessThanOrEqual(2);
  });

  it('derives the statechart and active state ids from the machine definition', () => {
    const chart = statechartOf(positionMachine);
    const pending = chart.children.find((c) => c.key === 'pending_entry')!;
    expect(pending.children.map((c) => c.id)).toContain('position.pending_entry.working');
    expect(
      pending.transitions.some((t) => t.event === 'order.filled' && t.targets.includes('position.active')),
    ).toBe(true);
    expect(activeStateIds('position', { pending_entry: 'working' })).toEqual([
      'position.pending_entry',
      'position.pending_entry.working',
    ]);
    expect(stateLabel({ pending_entry: 'working' })).toBe('pending_entry.working');
  });
});
