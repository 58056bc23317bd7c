import { describe, expect, it } from 'vitest';
import { fill, longPlan, request, shortPlan, startPosition, tick, twoLegLongPlan } from './fixtures.ts';

const accepted = (tag: string, ts = 1) => ({ type: 'order.accepted', ts, tag, orderId: `o-${tag}` }) as const;
const cancelled = (tag: string, ts: number) =>
  ({ type: 'order.cancelled', ts, tag, orderId: `o-${tag}` }) as const;
const rejected = (tag: string, ts: number) =>
  ({ type: 'order.rejected', ts, tag, reason: 'price off grid', retryable: false }) as const;

function filledLong(quantity = 2, closeAtTp3 = false) {
  const p = startPosition(request(longPlan(quantity), { closeAtTp3 }));
  p.send(accepted('p1-e0'), fill('p1-e0', 100, quantity, 2));
  return p;
}

describe('position machine: pending entry', () => {
  it('places every entry leg as a limit order when it starts', () => {
    const p = startPosition(request(twoLegLongPlan()));
    expect(p.state()).toEqual({ pending_entry: 'working' });
    expect(p.commands()).toEqual([
      expect.objectContaining({
        type: 'placeEntry',
        side: 'buy',
        signalId: 's1',
        legs: [
          { tag: 'p1-e0', price: 100, quantity: 2 },
          { tag: 'p1-e1', price: 99.5, quantity: 1 },
        ],
      }),
    ]);
  });

  it('records the broker order id when the entry is accepted', () => {
    const p = startPosition();
    p.send(accepted('p1-e0'));
    expect(p.context().legs[0]).toMatchObject({ orderId: 'o-p1-e0', status: 'working' });
  });

  it('becomes active on the first fill and places the protective stop for the filled size', () => {
    const p = startPosition();
    p.send(accepted('p1-e0'), fill('p1-e0', 100, 1, 2));
    expect(p.state()).toBe('active');
    expect(p.commands().at(-1)).toMatchObject({
      type: 'moveStop',
      stopPrice: 99,
      quantity: 1,
      side: 'sell',
      tag: 'p1-s1',
    });
    p.send(fill('p1-e0', 100, 1, 3));
    expect(p.commands().at(-1)).toMatchObject({ type: 'moveStop', stopPrice: 99, quantity: 2, tag: 'p1-s1' });
  });

  it('averages scale-in fills by volume', () => {
    const plan = twoLegLongPlan();
    const p = startPosition(request(plan));
    p.send(fill('p1-e0', 100, 2, 2), fill('p1-e1', 99.5, 1, 3));
    expect(p.context().filledQty).toBe(3);
    expect(p.context().entryTicksSum / 3).toBeCloseTo((100 * 2 + 99.5) / 3 / 0.25, 9);
  });

  it('cancels the entry when a tick arrives after the deadline, and ends cancelled on the ack', () => {
    const p = startPosition();
    p.send(accepted('p1-e0'), tick(100.5, 9_999));
    expect(p.state()).toEqual({ pending_entry: 'working' });
    p.send(tick(100.5, 10_000));
    expect(p.state()).toEqual({ pending_entry: 'cancelling' });
    expect(p.commands().at(-1)).toMatchObject({ type: 'cancelEntry', tags: ['p1-e0'] });
    p.send(cancelled('p1-e0', 10_050));
    expect(p.state()).toBe('cancelled');
    expect(p.context().cancelReason).toBe('entry expired');
  });

  it('expires on a clock event too, without any tick', () => {
    const p = startPosition();
    p.send({ type: 'clock', ts: 10_000 });
    expect(p.state()).toEqual({ pending_entry: 'cancelling' });
  });

  it('cancels a pending entry on an exit request (opposing alert)', () => {
    const p = startPosition();
    p.send({ type: 'exit', ts: 5, reason: 'opposing_alert' }, cancelled('p1-e0', 6));
    expect(p.state()).toBe('cancelled');
    expect(p.context().cancelReason).toBe('opposing_alert');
  });

  it('cancels a pending entry on a cancel alert', () => {
    const p = startPosition();
    p.send({ type: 'cancel', ts: 5, reason: 'cancel alert' });
    expect(p.state()).toEqual({ pending_entry: 'cancelling' });
    p.send(cancelled('p1-e0', 6));
    expect(p.state()).toBe('cancelled');
  });

  it('ends cancelled when every entry leg is rejected', () => {
    const p = startPosition();
    p.send(rejected('p1-e0', 2));
    expect(p.state()).toBe('cancelled');
    expect(p.context().cancelReason).toBe('entry rejected: price off grid');
  });

  it('replaces a pending entry: cancels the old legs and places new ones under new tags', () => {
    const p = startPosition();
    p.send(accepted('p1-e0'), {
      type: 'replace',
      ts: 5,
      signalId: 's2',
      plan: longPlan(1, { legs: [{ price: 100.25, quantity: 1 }], entryPrice: 100.25 }),
      expiresAt: 20_000,
    });
    const [cancel, place] = p.commands().slice(-2);
    expect(cancel).toMatchObject({ type: 'cancelEntry', tags: ['p1-e0'] });
    expect(place).toMatchObject({
      type: 'placeEntry',
      signalId: 's2',
      legs: [{ tag: 'p1-e1', price: 100.25, quantity: 1 }],
    });
    expect(p.context().expiresAt).toBe(20_000);
    p.send(cancelled('p1-e0', 6));
    expect(p.state()).toEqual({ pending_entry: 'working' });
  });

  it('leaves at once when an entry fills while an exit-driven cancel is in flight', () => {
    const p = startPosition();
    p.send({ type: 'exit', ts: 5, reason: 'close_alert' }, fill('p1-e0', 100, 2, 6));
    expect(p.state()).toBe('exiting');
    expect(p.commands().at(-1)).toMatchObject({
      type: 'closePosition',
      quantity: 2,
      reason: 'close_alert',
      tag: 'p1-x1',
    });
  });

  it('manages the position when an entry fills while an expiry cancel is in flight', () => {
    const p = startPosition();
    p.send(tick(100, 10_000), fill('p1-e0', 100, 2, 10_001));
    expect(p.state()).toBe('active');
  });
});

describe('position machine: the stop ladder (long)', () => {
  it('exits at the initial stop when price trades at or below it', () => {
    const p = filledLong();
    p.send(tick(99.25, 3));
    expect(p.state()).toBe('active');
    p.send(tick(99, 4));
    expect(p.state()).toBe('exiting');
    expect(p.commands().at(-1)).toMatchObject({
      type: 'closePosition',
      side: 'sell',
      quantity: 2,
      reason: 'initial_stop',
    });
  });

  it('TP1 moves the stop to entry', () => {
    const p = filledLong();
    p.send(tick(101, 3));
    expect(p.state()).toBe('tp1');
    expect(p.context().stop).toBe(100);
    expect(p.commands().at(-1)).toMatchObject({ type: 'moveStop', stopPrice: 100, quantity: 2 });
  });

  it('TP2 moves the stop to TP1 and TP3 moves it to TP2', () => {
    const p = filledLong();
    p.send(tick(101, 3), tick(102, 4));
    expect(p.state()).toBe('tp2');
    expect(p.context().stop).toBe(101);
    p.send(tick(103.5, 5));
    expect(p.state()).toBe('tp3');
    expect(p.context().stop).toBe(102);
  });

  it('climbs every rung a single tick jumps over', () => {
    const p = filledLong();
    p.send(tick(103.25, 3));
    expect(p.state()).toBe('tp3');
    expect(p.context().rung).toBe(3);
    expect(p.context().stop).toBe(102);
  });

  it('closes at TP3 when configured to', () => {
    const p = filledLong(2, true);
    p.send(tick(103, 3));
    expect(p.state()).toBe('exiting');
    expect(p.commands().at(-1)).toMatchObject({ type: 'closePosition', reason: 'target_tp3' });
  });

  it.each([
    [[101], 100, 'stop_breakeven'],
    [[102], 101, 'stop_tp1'],
    [[103], 102, 'stop_tp2'],
  ] as const)('after %j a stop at %d exits with reason %s', (ups, stopPrice, reason) => {
    const p = filledLong();
    p.send(...ups.map((u, i) => tick(u, 3 + i)), tick(stopPrice, 10));
    expect(p.commands().at(-1)).toMatchObject({ type: 'closePosition', reason });
  });

  it('closes on an exit request with its reason', () => {
    const p = filledLong();
    p.send({ type: 'exit', ts: 3, reason: 'session_flatten' });
    expect(p.state()).toBe('exiting');
    expect(p.commands().at(-1)).toMatchObject({ type: 'closePosition', reason: 'session_flatten' });
  });

  it('ends when the broker-side protective stop fills', () => {
    const p = filledLong();
    p.send(tick(101, 3), fill('p1-s1', 100, 2, 4, 'sell'));
    expect(p.state()).toBe('closed');
    expect(p.context().exitReason).toBe('stop_breakeven');
  });

  it('re-tags the protective stop after the broker rejects it', () => {
    const p = filledLong();
    p.send(rejected('p1-s1', 3));
    expect(p.context().stopSeq).toBe(2);
    p.send(tick(101, 4));
    expect(p.commands().at(-1)).toMatchObject({
      type: 'moveStop',
      tag: 'p1-s2',
      stopPrice: 100,
      quantity: 2,
    });
  });
});

describe('position machine: events replayed after a restart', () => {
  it('counts an entry leg at most to its size (the same fill reported twice)', () => {
    const p = filledLong();
    const before = p.context();
    p.send(fill('p1-e0', 100, 2, 3));
    expect(p.context().filledQty).toBe(before.filledQty);
    expect(p.context().legs[0]?.filled).toBe(2);
    expect(
      p
        .commands()
        .filter((c) => c.type === 'moveStop')
        .at(-1),
    ).toMatchObject({ quantity: 2 });
  });

  it('re-tags the stop only for a cancel of the current stop order, not of an older one', () => {
    const p = filledLong();
    p.send(rejected('p1-s1', 3));
    expect(p.context().stopSeq).toBe(2);
    p.send({ type: 'order.cancelled', ts: 4, tag: 'p1-s1', orderId: 'o-old' });
    expect(p.context().stopSeq).toBe(2);
    p.send({ type: 'order.cancelled', ts: 5, tag: 'p1-s2', orderId: 'o-new' });
    expect(p.context().stopSeq).toBe(3);
  });
});

describe('position machine: the stop ladder (short)', () => {
  it('mirrors the long ladder', () => {
    const p = startPosition(request(shortPlan(1)));
    p.send(fill('p1-e0', 103, 1, 2));
    expect(p.commands().at(-1)).toMatchObject({ type: 'moveStop', side: 'buy', stopPrice: 104 });
    p.send(tick(102, 3));
    expect(p.state()).toBe('tp1');
    expect(p.context().stop).toBe(103);
    p.send(tick(103, 4));
    expect(p.commands().at(-1)).toMatchObject({
      type: 'closePosition',
      side: 'buy',
      reason: 'stop_breakeven',
    });
  });

  it('triggers the short stop at a price at or above it', () => {
    const p = startPosition(request(shortPlan(1)));
    p.send(fill('p1-e0', 103, 1, 2), tick(103.75, 3));
    expect(p.state()).toBe('active');
    p.send(tick(104, 4));
    expect(p.state()).toBe('exiting');
  });
});

describe('position machine: exiting and closed', () => {
  it('a TP3 close reached in one jump records rung 3, not the rung it left from', () => {
    const p = filledLong(2, true);
    p.send(tick(101, 3)); // TP1
    p.send(tick(103.5, 4)); // straight past TP2 to TP3: closes
    expect(p.state()).toBe('exiting');
    expect(p.context()).toMatchObject({ rung: 3, exitReason: 'target_tp3' });
  });

  it('closes when the close order fills and books the P&L', () => {
    const p = filledLong();
    p.send(tick(102, 3), tick(101, 4), fill('p1-x1', 101, 2, 5, 'sell'));
    expect(p.state()).toBe('closed');
    expect(p.context()).toMatchObject({ exitedQty: 2, closedAt: 5, exitReason: 'stop_tp1' });
  });

  it('waits for every contract of a partially filled close', () => {
    const p = filledLong();
    p.send(tick(99, 3), fill('p1-x1', 99, 1, 4, 'sell'));
    expect(p.state()).toBe('exiting');
    p.send(fill('p1-x1', 99, 1, 5, 'sell'));
    expect(p.state()).toBe('closed');
  });

  it('sends a new close order when one is rejected', () => {
    const p = filledLong();
    p.send(tick(99, 3), rejected('p1-x1', 4));
    expect(p.commands().at(-1)).toMatchObject({ type: 'closePosition', tag: 'p1-x2', quantity: 2 });
  });

  it('closes the extra contracts of an entry leg that fills while exiting', () => {
    const plan = twoLegLongPlan();
    const p = startPosition(request(plan));
    p.send(
      fill('p1-e0', 100, 2, 2),
      { type: 'exit', ts: 3, reason: 'close_alert' },
      fill('p1-e1', 99.5, 1, 4),
    );
    expect(
      p
        .commands()
        .filter((c) => c.type === 'closePosition')
        .map((c) => ('quantity' in c ? c.quantity : 0)),
    ).toEqual([2, 3]);
  });

  it('absorbs every event once closed', () => {
    const p = filledLong();
    p.send(tick(99, 3), fill('p1-x1', 99, 2, 4, 'sell'));
    const before = p.actor.getSnapshot();
    const count = p.messages.length;
    p.send(tick(50, 5), { type: 'exit', ts: 6, reason: 'manual' }, fill('p1-e0', 100, 1, 7));
    expect(p.actor.getSnapshot().context).toEqual(before.context);
    expect(p.messages.length).toBe(count);
  });
});

describe('position machine: closed by the broker (orders that are not ours)', () => {
  const flattened = (quantity: number, fills: { price: number; quantity: number }[], ts = 6, fees = 2.5) =>
    ({
      type: 'position.flattened',
      ts,
      positionId: 'p1',
      quantity,
      fills,
      fees,
      reason: 'closed by the broker',
    }) as const;

  it('closes at the broker fill price, drops its protective stop and books broker_flatten', () => {
    const p = filledLong();
    expect(p.context().stopQty).toBe(2);
    p.send(flattened(2, [{ price: 99.75, quantity: 2 }]));
    expect(p.state()).toBe('closed');
    expect(p.context()).toMatchObject({
      exitedQty: 2,
      exitTicksSum: (99.75 / 0.25) * 2,
      exitReason: 'broker_flatten',
      closedAt: 6,
      fees: 2.5,
    });
    // The stop is cancelled, and no close order is sent: the broker already closed it.
    const after = p.commands().slice(-1);
    expect(after).toEqual([expect.objectContaining({ type: 'moveStop', quantity: 0, tag: 'p1-s1' })]);
    expect(p.commands().some((c) => c.type === 'closePosition')).toBe(false);
  });

  it('books what the broker did not report at the current stop', () => {
    const p = filledLong();
    p.send(tick(101, 3)); // TP1: the stop moves to entry (100)
    p.send(flattened(2, [{ price: 100.5, quantity: 1 }]));
    expect(p.state()).toBe('closed');
    expect(p.context().exitTicksSum).toBe(100.5 / 0.25 + 100 / 0.25);
  });

  it('stays open with the rest after a partial close, its stop resized', () => {
    const p = filledLong(3);
    p.send(flattened(1, [{ price: 99.5, quantity: 1 }]));
    expect(p.state()).toBe('active');
    expect(p.context()).toMatchObject({ exitedQty: 1, stopQty: 2 });
    expect(p.commands().at(-1)).toMatchObject({ type: 'moveStop', quantity: 2, stopPrice: 99 });
  });

  it('cancels a working scale-in leg when the broker flattens the filled part', () => {
    const p = startPosition(request(twoLegLongPlan()));
    p.send(accepted('p1-e0'), accepted('p1-e1'), fill('p1-e0', 100, 2, 2));
    p.send(flattened(2, [{ price: 99.75, quantity: 2 }]));
    expect(p.state()).toBe('closed');
    expect(p.commands()).toContainEqual(expect.objectContaining({ type: 'cancelEntry', tags: ['p1-e1'] }));
  });

  it('finishes an exit of its own that the broker beat, with the broker as the reason', () => {
    const p = filledLong();
    p.send(tick(99, 3)); // stop breached: a close order goes out
    expect(p.state()).toBe('exiting');
    p.send(cancelled('p1-x1', 4)); // the broker cancelled it while flattening
    p.send(flattened(2, [{ price: 98.75, quantity: 2 }]));
    expect(p.state()).toBe('closed');
    expect(p.context()).toMatchObject({ exitReason: 'broker_flatten', exitedQty: 2 });
  });

  it('never books more than is open, and ignores a report for another position', () => {
    const p = filledLong();
    p.send({ ...flattened(2, [{ price: 99, quantity: 2 }]), positionId: 'p2' });
    expect(p.state()).toBe('active');
    p.send(flattened(5, [{ price: 99, quantity: 5 }]));
    expect(p.context().exitedQty).toBe(2);
    expect(p.context().exitTicksSum).toBe((99 / 0.25) * 2);
  });
});
