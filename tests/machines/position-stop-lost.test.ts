/**
 * A protective stop the broker cancels (or that vanished from the book, as the venue's periodic
 * check reports it) is placed again at once under a new tag; a rejected one is not (no reject loop).
 */
import { describe, expect, it } from 'vitest';
import { fill, longPlan, request, startPosition, tick, twoLegLongPlan } from './fixtures.ts';

const accepted = (tag: string, ts = 1) => ({ type: 'order.accepted', ts, tag, orderId: `o-${tag}` }) as const;
const cancelled = (tag: string, ts: number) =>
  ({ type: 'order.cancelled', ts, tag, orderId: `o-${tag}` }) as const;
const rejected = (tag: string, ts: number) =>
  ({ type: 'order.rejected', ts, tag, reason: 'price off grid', retryable: false }) as const;

function filledLong(quantity = 2) {
  const p = startPosition(request(longPlan(quantity)));
  p.send(accepted('p1-e0'), fill('p1-e0', 100, quantity, 2));
  return p;
}

describe('position machine: a lost protective stop', () => {
  it('re-places a cancelled current stop at once, under the next tag, at the ladder stop and open size', () => {
    const p = filledLong();
    expect(p.commands().at(-1)).toMatchObject({ type: 'moveStop', tag: 'p1-s1', quantity: 2 });
    const before = p.commands().length;
    p.send(cancelled('p1-s1', 3));
    expect(p.state()).toBe('active');
    expect(p.commands()).toHaveLength(before + 1);
    expect(p.commands().at(-1)).toMatchObject({
      type: 'moveStop',
      tag: 'p1-s2',
      stopPrice: 99,
      quantity: 2,
      side: 'sell',
    });
    expect(p.context()).toMatchObject({ stopSeq: 2, stopQty: 2, stopOrderPrice: 99 });
  });

  it('re-places it at the current rung’s stop after a climb', () => {
    const p = filledLong();
    p.send(tick(101, 3));
    expect(p.state()).toBe('tp1');
    p.send(cancelled('p1-s1', 4));
    expect(p.commands().at(-1)).toMatchObject({
      type: 'moveStop',
      tag: 'p1-s2',
      stopPrice: 100,
      quantity: 2,
    });
    expect(p.state()).toBe('tp1');
  });

  it('a cancel of the replaced (older) stop, replayed later, sends nothing', () => {
    const p = filledLong();
    p.send(cancelled('p1-s1', 3));
    const before = p.commands().length;
    p.send(cancelled('p1-s1', 4));
    expect(p.commands()).toHaveLength(before);
    expect(p.context().stopSeq).toBe(2);
  });

  it('an unrelated cancel (a working entry leg, another position’s stop) sends nothing', () => {
    const p = startPosition(request(twoLegLongPlan()));
    p.send(accepted('p1-e0'), accepted('p1-e1'), fill('p1-e0', 100, 2, 2));
    expect(p.state()).toBe('active');
    const before = p.commands().length;
    p.send(cancelled('p1-e1', 3), cancelled('p2-s1', 4));
    expect(p.commands()).toHaveLength(before);
    expect(p.context().stopSeq).toBe(1);
    expect(p.context().legs[1]?.status).toBe('cancelled');
  });

  it('a rejected stop is not placed again at once (the next sync or the periodic check retries it)', () => {
    const p = filledLong();
    const before = p.commands().length;
    p.send(rejected('p1-s1', 3));
    expect(p.commands()).toHaveLength(before);
    expect(p.context()).toMatchObject({ stopSeq: 2, stopQty: 0, stopOrderPrice: null });
  });

  it('a cancel of the stop while exiting places nothing (the exit cancelled it)', () => {
    const p = filledLong();
    p.send({ type: 'exit', ts: 3, reason: 'close_alert' });
    expect(p.state()).toBe('exiting');
    const before = p.commands().length;
    p.send(cancelled('p1-s1', 4));
    expect(p.commands()).toHaveLength(before);
    expect(p.state()).toBe('exiting');
  });
});
