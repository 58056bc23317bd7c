import { createActor } from 'xstate';
import { positionMachine } from '../../machines/position/machine.ts';
import type { PositionEvent, PositionMessage, PositionOutputEvent } from '../../machines/position/types.ts';
import type { OpenPositionRequest } from '../../src/domain/events.ts';
import type { EntryPlan } from '../../src/domain/types.ts';

export const ES_GRID = { tickSize: 0.25, tickValue: 12.5, decimals: 2 } as const;

/** Long ES plan: entry 100, stop 99, TP1 101, TP2 102, TP3 103. */
export function longPlan(quantity = 2, overrides: Partial<EntryPlan> = {}): EntryPlan {
  return {
    side: 'long',
    entryPrice: 100,
    stopPrice: 99,
    tp1: 101,
    tp2: 102,
    tp3: 103,
    legs: [{ price: 100, quantity }],
    quantity,
    riskDollars: 4 * 12.5 * quantity,
    poc: 101,
    vah: 102,
    val: 100,
    profileLow: 99.5,
    profileHigh: 103,
    confirmationScore: null,
    ...overrides,
  };
}

/** Short mirror: entry 103, stop 104, TP1 102, TP2 101, TP3 100. */
/** A long scaling in: 2 contracts at 100, then 1 at 99.5. */
export function twoLegLongPlan(): EntryPlan {
  return longPlan(3, {
    legs: [
      { price: 100, quantity: 2 },
      { price: 99.5, quantity: 1 },
    ],
    quantity: 3,
  });
}

export function shortPlan(quantity = 2): EntryPlan {
  return {
    side: 'short',
    entryPrice: 103,
    stopPrice: 104,
    tp1: 102,
    tp2: 101,
    tp3: 100,
    legs: [{ price: 103, quantity }],
    quantity,
    riskDollars: 4 * 12.5 * quantity,
    poc: 102,
    vah: 103,
    val: 101,
    profileLow: 100,
    profileHigh: 103.5,
    confirmationScore: null,
  };
}

export function request(
  plan: EntryPlan,
  overrides: Partial<OpenPositionRequest> = {},
): OpenPositionRequest & { ts: number } {
  return {
    positionId: 'p1',
    signalId: 's1',
    accountId: 'acc1',
    symbol: 'ES',
    contractId: 'CON.F.US.EP.Z25',
    instrument: ES_GRID,
    plan,
    expiresAt: 10_000,
    closeAtTp3: false,
    ts: 0,
    ...overrides,
  };
}

/** A standalone position actor that records everything it sends out. */
export function startPosition(req = request(longPlan())) {
  const actor = createActor(positionMachine, { input: req });
  const messages: PositionMessage[] = [];
  actor.on('position.output', (e: PositionOutputEvent) => messages.push(e.message));
  actor.start();
  const send = (...events: PositionEvent[]) => {
    for (const e of events) actor.send(e);
  };
  const commands = () => messages.filter((m) => m.type !== 'update');
  const state = () => actor.getSnapshot().value;
  return { actor, messages, commands, send, state, context: () => actor.getSnapshot().context };
}

export const fill = (
  tag: string,
  price: number,
  quantity: number,
  ts: number,
  side: 'buy' | 'sell' = 'buy',
) => ({ type: 'order.filled', ts, tag, orderId: `o-${tag}`, price, quantity, side, fees: 0 }) as const;
export const tick = (price: number, ts: number) => ({ type: 'tick', ts, price }) as const;
