import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { BrokerEvent, EngineCommand } from '../../src/domain/events.ts';
import { createEngineRuntime, type RuntimeOutput } from '../../src/runtime/engine-runtime.ts';
import { fill, longPlan, request, shortPlan } from './fixtures.ts';

function setup() {
  const events$ = new Subject<BrokerEvent>();
  const commands: EngineCommand[] = [];
  const outputs: RuntimeOutput[] = [];
  const runtime = createEngineRuntime({
    clock: { now: () => 0, setTimeout: () => 0, clearTimeout: () => {}, scheduler: undefined as never },
    broker: { events$, execute: (c) => commands.push(c) },
  });
  runtime.outputs$.subscribe((o) => outputs.push(o));
  const outcomes = () => outputs.flatMap((o) => (o.type === 'alert.outcome' ? [o] : []));
  const fillEntry = (positionId: string, price: number, quantity: number, ts: number) =>
    events$.next({
      type: 'order.filled',
      ts,
      tag: `${positionId}-e0`,
      orderId: 'o',
      price,
      quantity,
      side: 'buy',
      fees: 0,
    });
  return { runtime, events$, commands, outputs, outcomes, fillEntry };
}

describe('engine: alert policy', () => {
  it('spawns one position per account and symbol and places its entry', () => {
    const { runtime, commands, outcomes } = setup();
    runtime.open(request(longPlan()), 1);
    runtime.open(request(longPlan(), { positionId: 'p2', symbol: 'NQ', signalId: 's2' }), 2);
    expect(runtime.slots().map((s) => `${s.accountId}:${s.symbol}`)).toEqual(['acc1:ES', 'acc1:NQ']);
    expect(commands.filter((c) => c.type === 'placeEntry').map((c) => c.positionId)).toEqual(['p1', 'p2']);
    expect(outcomes().map((o) => o.outcome)).toEqual(['opened', 'opened']);
  });

  it('replaces a pending entry on a same-side alert instead of opening a second position', () => {
    const { runtime, commands, outcomes } = setup();
    runtime.open(request(longPlan()), 1);
    runtime.open(
      request(longPlan(1, { entryPrice: 100.5, legs: [{ price: 100.5, quantity: 1 }] }), {
        positionId: 'p9',
        signalId: 's2',
      }),
      2,
    );
    expect(runtime.slots()).toHaveLength(1);
    expect(outcomes().at(-1)).toMatchObject({ outcome: 'replaced', signalId: 's2', positionId: 'p1' });
    expect(commands.map((c) => c.type)).toEqual(['placeEntry', 'cancelEntry', 'placeEntry']);
  });

  it('cancels a pending entry on an opposing alert', () => {
    const { runtime, commands, outcomes } = setup();
    runtime.open(request(longPlan()), 1);
    runtime.open(request(shortPlan(), { positionId: 'p2', signalId: 's2' }), 2);
    expect(outcomes().at(-1)).toMatchObject({ outcome: 'cancelling', positionId: 'p1' });
    expect(commands.at(-1)).toMatchObject({ type: 'cancelEntry', tags: ['p1-e0'] });
  });

  it('closes an open position on an opposing alert and declines a same-side one', () => {
    const { runtime, commands, outcomes, fillEntry } = setup();
    runtime.open(request(longPlan()), 1);
    fillEntry('p1', 100, 2, 2);
    runtime.open(request(longPlan(), { positionId: 'p2', signalId: 's2' }), 3);
    expect(outcomes().at(-1)).toMatchObject({ outcome: 'declined', signalId: 's2' });
    expect(outcomes().at(-1)?.reason).toMatch(/already long ES/);
    runtime.open(request(shortPlan(), { positionId: 'p3', signalId: 's3' }), 4);
    expect(outcomes().at(-1)).toMatchObject({ outcome: 'closing', signalId: 's3' });
    expect(commands.at(-1)).toMatchObject({ type: 'closePosition', reason: 'opposing_alert', quantity: 2 });
  });

  it('closes on a close alert and declines one with nothing to close', () => {
    const { runtime, commands, outcomes, fillEntry } = setup();
    runtime.close('acc1', 'ES', 's0', 1);
    expect(outcomes().at(-1)).toMatchObject({ outcome: 'declined', reason: 'no open ES position to close' });
    runtime.open(request(longPlan()), 2);
    fillEntry('p1', 100, 2, 3);
    runtime.close('acc1', 'ES', 's2', 4);
    expect(commands.at(-1)).toMatchObject({ type: 'closePosition', reason: 'close_alert' });
  });

  it('flattens every position of a symbol for the session flat-by time', () => {
    const { runtime, commands, fillEntry } = setup();
    runtime.open(request(longPlan()), 1);
    runtime.open(request(longPlan(), { positionId: 'p2', symbol: 'NQ', signalId: 's2' }), 1);
    fillEntry('p1', 100, 2, 2);
    fillEntry('p2', 100, 2, 2);
    runtime.flatten('session_flatten', 5, { symbol: 'ES' });
    expect(commands.filter((c) => c.type === 'closePosition').map((c) => c.positionId)).toEqual(['p1']);
    runtime.flatten('guard_flatten', 6);
    expect(commands.filter((c) => c.type === 'closePosition').map((c) => c.positionId)).toEqual(['p1', 'p2']);
  });
});

describe('engine: routing', () => {
  it('hands a tick only to positions of its symbol, and only when it leaves their band', () => {
    const { runtime, fillEntry } = setup();
    runtime.open(request(longPlan()), 1);
    runtime.open(request(longPlan(), { positionId: 'p2', symbol: 'NQ', signalId: 's2' }), 1);
    fillEntry('p1', 100, 2, 2);
    fillEntry('p2', 100, 2, 2);
    const before = runtime.ticksRouted;
    for (const price of [100.25, 100.5, 100.75, 99.25]) runtime.tick('ES', price, 10);
    expect(runtime.ticksRouted).toBe(before);
    runtime.tick('ES', 101, 11);
    expect(runtime.ticksRouted).toBe(before + 1);
    const states = Object.fromEntries(runtime.positions().map((p) => [p.symbol, p.state]));
    expect(states).toEqual({ ES: 'tp1', NQ: 'active' });
  });

  it('routes broker events to the position named by the order tag', () => {
    const { runtime, events$ } = setup();
    runtime.open(request(longPlan()), 1);
    runtime.open(request(longPlan(), { positionId: 'p2', symbol: 'NQ', signalId: 's2' }), 1);
    events$.next({ type: 'order.accepted', ts: 2, tag: 'p2-e0', orderId: '77' });
    const p2 = runtime.positions().find((p) => p.positionId === 'p2');
    expect(p2?.context.legs[0]?.orderId).toBe('77');
    expect(runtime.positions().find((p) => p.positionId === 'p1')?.context.legs[0]?.orderId).toBeNull();
  });

  it('routes a broker flatten to the position it names and frees the slot', () => {
    const { runtime, events$, fillEntry } = setup();
    runtime.open(request(longPlan()), 1);
    runtime.open(request(longPlan(), { positionId: 'p2', symbol: 'NQ', signalId: 's2' }), 1);
    fillEntry('p1', 100, 2, 2);
    fillEntry('p2', 100, 2, 2);
    events$.next({
      type: 'position.flattened',
      ts: 3,
      positionId: 'p2',
      quantity: 2,
      fills: [{ price: 99.5, quantity: 2 }],
      fees: 0,
      reason: 'closed by the broker',
    });
    expect(runtime.slots().map((s) => s.positionId)).toEqual(['p1']);
    expect(runtime.positions().map((p) => [p.positionId, p.state])).toEqual([['p1', 'active']]);
  });

  it('stops a finished position so it leaves the snapshot, and reports it once', () => {
    const { runtime, events$, outputs, fillEntry } = setup();
    runtime.open(request(longPlan()), 1);
    fillEntry('p1', 100, 2, 2);
    runtime.tick('ES', 99, 3);
    events$.next({
      type: 'order.filled',
      ts: 4,
      tag: 'p1-x1',
      orderId: 'x',
      price: 99,
      quantity: 2,
      side: 'sell',
      fees: 0,
    });
    expect(runtime.slots()).toEqual([]);
    const snapshot = runtime.persistedSnapshot() as { children: Record<string, unknown> };
    expect(snapshot.children).toEqual({});
    expect(outputs.filter((o) => o.type === 'position.finished')).toHaveLength(1);
  });

  it("sends the engine no per-position done event (each new event type would stay in XState's transition cache)", () => {
    const events$ = new Subject<BrokerEvent>();
    const seen = new Set<string>();
    const runtime = createEngineRuntime({
      clock: { now: () => 0, setTimeout: () => 0, clearTimeout: () => {}, scheduler: undefined as never },
      broker: { events$, execute: () => {} },
      inspect: (e) => {
        // The engine is the root actor; positions are its children with ids `position:<id>`.
        const id = (e.actorRef as { id?: string }).id ?? '';
        if (e.type === '@xstate.event' && !id.startsWith('position:')) seen.add(e.event.type);
      },
    });
    for (let i = 1; i <= 3; i++) {
      const ts = i * 10;
      runtime.open(request(longPlan(), { positionId: `p${i}`, signalId: `s${i}` }), ts);
      events$.next(fill(`p${i}-e0`, 100, 2, ts + 1));
      runtime.tick('ES', 99, ts + 2);
      events$.next(fill(`p${i}-x1`, 99, 2, ts + 3, 'sell'));
      expect(runtime.slots()).toEqual([]);
    }
    expect(seen.has('position.output')).toBe(true);
    expect([...seen].filter((t) => t.startsWith('xstate.done.actor'))).toEqual([]);
  });

  it('lets the entry deadline fire on the clock without any tick', () => {
    const { runtime, commands } = setup();
    runtime.open(request(longPlan()), 1);
    runtime.clockTick(9_999);
    expect(commands.map((c) => c.type)).toEqual(['placeEntry']);
    runtime.clockTick(10_000);
    expect(commands.at(-1)).toMatchObject({ type: 'cancelEntry' });
  });

  it('drops protective stop commands in local mode', () => {
    const events$ = new Subject<BrokerEvent>();
    const commands: EngineCommand[] = [];
    const runtime = createEngineRuntime({
      clock: { now: () => 0, setTimeout: () => 0, clearTimeout: () => {}, scheduler: undefined as never },
      broker: { events$, execute: (c) => commands.push(c) },
      protectiveStops: 'local',
    });
    runtime.open(request(longPlan()), 1);
    events$.next({
      type: 'order.filled',
      ts: 2,
      tag: 'p1-e0',
      orderId: 'o',
      price: 100,
      quantity: 2,
      side: 'buy',
      fees: 0,
    });
    expect(commands.map((c) => c.type)).toEqual(['placeEntry']);
  });
});
