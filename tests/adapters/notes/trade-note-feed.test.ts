import { asapScheduler, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { PositionContext } from '../../../machines/position/types.ts';
import { createTradeNoteFeed } from '../../../src/adapters/notes/feed.ts';
import type { BrokerEvent, EngineCommand } from '../../../src/domain/events.ts';
import type { Broker, Clock } from '../../../src/ports/index.ts';
import { EngineRuntime } from '../../../src/runtime/engine-runtime.ts';
import { longPlan, request } from '../../machines/fixtures.ts';

function runtimeWithNotes() {
  const events$ = new Subject<BrokerEvent>();
  const commands: EngineCommand[] = [];
  const broker: Broker = { execute: (command) => commands.push(command), events$ };
  const clock: Clock = {
    now: () => 0,
    setTimeout: () => 0,
    clearTimeout: () => undefined,
    scheduler: asapScheduler,
  };
  const runtime = new EngineRuntime({ clock, broker });
  const requests: { positionId: string; prompt: string }[] = [];
  const feed = createTradeNoteFeed({
    notes: { request: (positionId, prompt) => requests.push({ positionId, prompt }) },
    subjectOf: (positionId) => {
      const view = runtime.positions().find((p) => p.positionId === positionId);
      const ctx: PositionContext | undefined = view?.context;
      return ctx && { positionId, symbol: ctx.symbol, plan: ctx.plan, decimals: ctx.grid.decimals };
    },
  });
  runtime.outputs$.subscribe(feed);
  return { runtime, events$, requests };
}

describe('trade note feed', () => {
  it('asks for one note per position, on its first entry fill, with the plan in the prompt', () => {
    const { runtime, events$, requests } = runtimeWithNotes();
    const { ts: _ts, ...open } = request(longPlan(2), { positionId: 'pos-1', signalId: 'sig-1' });
    runtime.open(open, 1_000);
    expect(requests).toHaveLength(0);
    events$.next({
      type: 'order.filled',
      ts: 1_100,
      tag: 'pos-1-e0',
      orderId: 'o',
      price: 100,
      quantity: 1,
      side: 'buy',
      fees: 0,
    });
    events$.next({
      type: 'order.filled',
      ts: 1_200,
      tag: 'pos-1-e0',
      orderId: 'o',
      price: 100,
      quantity: 1,
      side: 'buy',
      fees: 0,
    });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.positionId).toBe('pos-1');
    expect(requests[0]?.prompt).toContain('- Symbol: ES (position pos-1)');
    expect(requests[0]?.prompt).toContain('- Targets: TP1 101.00, TP2 102.00, TP3 103.00');
    runtime.stop();
  });

  it('asks nothing for a fill it cannot place', () => {
    const { runtime, events$, requests } = runtimeWithNotes();
    events$.next({
      type: 'order.filled',
      ts: 1,
      tag: 'ghost-e0',
      orderId: 'o',
      price: 100,
      quantity: 1,
      side: 'buy',
      fees: 0,
    });
    expect(requests).toHaveLength(0);
    runtime.stop();
  });
});
