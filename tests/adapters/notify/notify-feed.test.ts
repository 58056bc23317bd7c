import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { type EngineEmitted, engineMachine } from '../../../machines/engine/machine.ts';
import { createNotificationFeed, type RuntimeOutputLike } from '../../../src/adapters/notify/feed.ts';
import type { NotificationEvent } from '../../../src/adapters/notify/messages.ts';
import type { BrokerEvent } from '../../../src/domain/events.ts';
import { longPlan, request } from '../../machines/fixtures.ts';

function harness() {
  const notes: NotificationEvent[] = [];
  const feed = createNotificationFeed((event) => notes.push(event));
  const commands: EngineEmitted[] = [];
  const engine = createActor(engineMachine);
  engine.on('*', (event) => {
    commands.push(event as EngineEmitted);
    feed(event as RuntimeOutputLike);
  });
  engine.start();
  const broker = (event: BrokerEvent) => {
    feed({ type: 'broker', event });
    engine.send(event);
  };
  return { notes, engine, broker, commands };
}

describe('notification feed from a real engine', () => {
  it('notifies the entry fill and the exit with its reason and net P&L', () => {
    const { notes, engine, broker, commands } = harness();
    const { ts: _ts, ...open } = request(longPlan(2), { positionId: 'pos-1', signalId: 'sig-1' });
    engine.send({ type: 'open', ts: 1_000, request: open });
    broker({ type: 'order.accepted', ts: 1_100, tag: 'pos-1-e0', orderId: 'o-1' });
    broker({
      type: 'order.filled',
      ts: 1_200,
      tag: 'pos-1-e0',
      orderId: 'o-1',
      price: 100,
      quantity: 2,
      side: 'buy',
      fees: 2.5,
    });
    engine.send({
      type: 'close',
      ts: 2_000,
      accountId: 'acc1',
      symbol: 'ES',
      signalId: 'sig-2',
      reason: 'close_alert',
    });
    const close = commands.find((e) => e.type === 'command' && e.command.type === 'closePosition');
    expect(close).toBeDefined();
    const tag = close?.type === 'command' && close.command.type === 'closePosition' ? close.command.tag : '';
    broker({
      type: 'order.filled',
      ts: 2_100,
      tag,
      orderId: 'o-2',
      price: 101.5,
      quantity: 2,
      side: 'sell',
      fees: 2.5,
    });
    expect(notes).toEqual([
      { kind: 'entry', ts: 1_200, positionId: 'pos-1', symbol: 'ES', side: 'long', quantity: 2, price: 100 },
      {
        kind: 'exit',
        ts: 2_100,
        positionId: 'pos-1',
        symbol: 'ES',
        side: 'long',
        quantity: 2,
        price: 101.5,
        reason: 'close_alert',
        pnl: 2 * 6 * 12.5 - 5,
      },
    ]);
  });

  it('notifies a declined alert and a final broker refusal, but no exit for an entry that never filled', () => {
    const { notes, engine, broker } = harness();
    const { ts: _ts, ...open } = request(longPlan(1), { positionId: 'pos-1', signalId: 'sig-1' });
    engine.send({ type: 'open', ts: 1_000, request: open });
    broker({
      type: 'order.rejected',
      ts: 1_050,
      tag: 'pos-1-e0',
      reason: 'price outside limits',
      retryable: false,
    });
    engine.send({ type: 'cancel', ts: 1_500, accountId: 'acc1', symbol: 'ES', signalId: 'sig-2' });
    const { ts: _ts2, ...second } = request(longPlan(1), { positionId: 'pos-2', signalId: 'sig-3' });
    engine.send({ type: 'open', ts: 4_000, request: second });
    broker({
      type: 'order.filled',
      ts: 4_100,
      tag: 'pos-2-e0',
      orderId: 'o-9',
      price: 100,
      quantity: 1,
      side: 'buy',
      fees: 0,
    });
    engine.send({ type: 'open', ts: 4_200, request: { ...second, positionId: 'pos-3', signalId: 'sig-4' } });
    expect(notes.map((n) => n.kind)).toEqual(['rejection', 'rejection', 'entry', 'rejection']);
    expect(notes[0]).toEqual({
      kind: 'rejection',
      ts: 1_050,
      symbol: 'ES',
      reason: 'broker refused pos-1-e0: price outside limits',
    });
    expect(notes[1]).toMatchObject({ kind: 'rejection', ts: 1_500, signalId: 'sig-2' });
    expect(notes[3]).toEqual({
      kind: 'rejection',
      ts: 4_200,
      symbol: null,
      reason: 'already long ES (active); same-side alert ignored',
      signalId: 'sig-4',
    });
  });
});
