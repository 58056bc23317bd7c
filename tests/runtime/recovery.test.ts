import { describe, expect, it } from 'vitest';
import type { PositionView } from '../../src/runtime/engine-runtime.ts';
import { rearmCommands } from '../../src/runtime/recovery.ts';
import { fill, request, startPosition, tick, twoLegLongPlan } from '../machines/fixtures.ts';

const view = (p: ReturnType<typeof startPosition>, state: PositionView['state']): PositionView => ({
  positionId: 'p1',
  signalId: 's1',
  accountId: 'acc1',
  symbol: 'ES',
  state,
  context: p.context(),
  lastPrice: null,
  unrealizedPnl: 0,
});
const broker = { freshVenue: false, protectiveStops: 'broker', ts: 9 } as const;

describe('rearmCommands: what a restored position asks of the broker again', () => {
  it('an unacknowledged entry leg is placed again under its own tag; a working one is not', () => {
    const p = startPosition(request(twoLegLongPlan()));
    p.send({ type: 'order.accepted', ts: 1, tag: 'p1-e0', orderId: '7' });
    expect(rearmCommands(view(p, 'pending_entry'), broker)).toEqual([
      expect.objectContaining({ type: 'placeEntry', legs: [{ tag: 'p1-e1', price: 99.5, quantity: 1 }] }),
    ]);
    // A fresh paper venue lost both legs.
    expect(rearmCommands(view(p, 'pending_entry'), { ...broker, freshVenue: true })[0]).toMatchObject({
      type: 'placeEntry',
      legs: [{ tag: 'p1-e0' }, { tag: 'p1-e1' }],
    });
  });

  it('an open position gets its protective stop at the ladder stop for the open size', () => {
    const p = startPosition();
    p.send(fill('p1-e0', 100, 2, 1), tick(101, 2));
    expect(rearmCommands(view(p, 'tp1'), broker)).toEqual([
      expect.objectContaining({ type: 'moveStop', tag: 'p1-s1', stopPrice: 100, quantity: 2, side: 'sell' }),
    ]);
    expect(rearmCommands(view(p, 'tp1'), { ...broker, protectiveStops: 'local' })).toEqual([]);
  });

  it('an interrupted exit cancels the stop first, then closes what is still held', () => {
    const p = startPosition();
    p.send(fill('p1-e0', 100, 2, 1), { type: 'exit', ts: 2, reason: 'close_alert' });
    expect(rearmCommands(view(p, 'exiting'), broker)).toEqual([
      expect.objectContaining({ type: 'moveStop', tag: 'p1-s1', quantity: 0 }),
      expect.objectContaining({ type: 'closePosition', tag: 'p1-x1', quantity: 2, reason: 'close_alert' }),
    ]);
  });

  it('a finished position asks nothing', () => {
    const p = startPosition();
    p.send(fill('p1-e0', 100, 2, 1), tick(98, 2), fill('p1-x1', 98, 2, 3, 'sell'));
    expect(rearmCommands(view(p, 'closed'), broker)).toEqual([]);
  });
});
