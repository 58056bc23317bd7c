/**
 * Machine throughput: ticks per second through the position machine and through the engine with
 * 1, 10 and 1,000 open positions, each beside a plain-function baseline that runs the same ladder
 * over the same ticks in the same run. Positions that close are reopened at the current price, so
 * the count stays constant and the ladder keeps moving.
 */
import { Subject } from 'rxjs';
import { createActor } from 'xstate';
import { positionMachine } from '../../machines/position/machine.ts';
import type { PositionOutputEvent } from '../../machines/position/types.ts';
import { mulberry32 } from '../../sim/random.ts';
import type { BrokerEvent, EngineCommand, OpenPositionRequest } from '../../src/domain/events.ts';
import { fromTicks } from '../../src/domain/ticks.ts';
import type { EntryPlan } from '../../src/domain/types.ts';
import { createEngineRuntime } from '../../src/runtime/engine-runtime.ts';
import type { BenchFigure, BenchSuite } from './harness.ts';

const GRID = { tickSize: 0.25, tickValue: 12.5, decimals: 2 };

/** A random walk on the ES grid, in ticks. */
export function walk(n: number, seed: number): Int32Array {
  const rnd = mulberry32(seed);
  const out = new Int32Array(n);
  let t = 4 * 4000;
  for (let i = 0; i < n; i++) {
    t += rnd() < 0.5 ? -1 : 1;
    out[i] = t;
  }
  return out;
}

/** Ladder rungs `width` ticks apart around the entry. */
function planAt(entryTicks: number, width: number): EntryPlan {
  const p = (t: number) => fromTicks(t, GRID);
  return {
    side: 'long',
    entryPrice: p(entryTicks),
    stopPrice: p(entryTicks - width),
    tp1: p(entryTicks + width),
    tp2: p(entryTicks + 2 * width),
    tp3: p(entryTicks + 3 * width),
    legs: [{ price: p(entryTicks), quantity: 1 }],
    quantity: 1,
    riskDollars: width * GRID.tickValue,
    poc: p(entryTicks + width),
    vah: p(entryTicks + 2 * width),
    val: p(entryTicks),
    profileLow: p(entryTicks - width),
    profileHigh: p(entryTicks + 3 * width),
    confirmationScore: null,
  };
}

/** The baseline: the same ladder as plain objects and a loop. Returns trades closed. */
export function plainLadder(ticks: Int32Array, positions: number, widthOf: (i: number) => number): number {
  const entry = new Int32Array(positions);
  const stop = new Int32Array(positions);
  const rung = new Int8Array(positions);
  const width = new Int32Array(positions);
  const first = ticks[0] ?? 0;
  for (let i = 0; i < positions; i++) {
    width[i] = widthOf(i);
    entry[i] = first;
    stop[i] = first - width[i]!;
  }
  let closed = 0;
  for (let k = 0; k < ticks.length; k++) {
    const price = ticks[k]!;
    for (let i = 0; i < positions; i++) {
      if (price <= stop[i]!) {
        closed++;
        entry[i] = price;
        stop[i] = price - width[i]!;
        rung[i] = 0;
        continue;
      }
      while (rung[i]! < 3 && price >= entry[i]! + (rung[i]! + 1) * width[i]!) {
        rung[i] = rung[i]! + 1;
        stop[i] = rung[i] === 1 ? entry[i]! : entry[i]! + (rung[i]! - 1) * width[i]!;
      }
    }
  }
  return closed;
}

/** One standalone position actor that sees every tick; reopened when it closes. */
export function positionMachineRun(ticks: Int32Array, width: number): number {
  let closed = 0;
  let seq = 0;
  let current = 0;
  const open = (entryTicks: number, ts: number) => {
    const positionId = `b${seq++}`;
    const actor = createActor(positionMachine, {
      input: request(positionId, planAt(entryTicks, width), ts),
    });
    actor.on('position.output', (e: PositionOutputEvent) => {
      const m = e.message;
      if (m.type === 'closePosition') {
        queueMicrotaskless.push(() =>
          actor.send({
            type: 'order.filled',
            ts,
            tag: m.tag,
            orderId: 'x',
            price: fromTicks(current, GRID),
            quantity: m.quantity,
            side: 'sell',
            fees: 0,
          }),
        );
      }
    });
    actor.start();
    actor.send({
      type: 'order.filled',
      ts,
      tag: `${positionId}-e0`,
      orderId: 'e',
      price: fromTicks(entryTicks, GRID),
      quantity: 1,
      side: 'buy',
      fees: 0,
    });
    return actor;
  };
  const queueMicrotaskless: (() => void)[] = [];
  let actor = open(ticks[0] ?? 0, 0);
  for (let k = 0; k < ticks.length; k++) {
    current = ticks[k]!;
    actor.send({ type: 'tick', ts: k, price: fromTicks(current, GRID) });
    while (queueMicrotaskless.length) queueMicrotaskless.shift()!();
    // closed/cancelled absorb every event but are not final states (see the position machine).
    const snapshot = actor.getSnapshot();
    if (snapshot.matches('closed') || snapshot.matches('cancelled')) {
      closed++;
      actor = open(current, k);
    }
  }
  return closed;
}

function request(
  positionId: string,
  plan: EntryPlan,
  ts: number,
  accountId = 'bench',
): OpenPositionRequest & { ts: number } {
  return {
    positionId,
    signalId: positionId,
    accountId,
    symbol: 'ES',
    contractId: 'CON.F.US.EP.Z25',
    instrument: GRID,
    plan,
    expiresAt: Number.MAX_SAFE_INTEGER,
    closeAtTp3: false,
    ts,
  };
}

/** The engine runtime with `positions` open positions on one symbol (one per account). */
export function engineRun(
  ticks: Int32Array,
  positions: number,
  widthOf: (i: number) => number,
  routed: boolean,
): number {
  const events$ = new Subject<BrokerEvent>();
  let current = ticks[0] ?? 0;
  let ts = 0;
  let closed = 0;
  let seq = 0;
  const pending: BrokerEvent[] = [];
  const runtime = createEngineRuntime({
    clock: { now: () => ts, setTimeout: () => 0, clearTimeout: () => {}, scheduler: undefined as never },
    broker: {
      events$,
      execute: (c: EngineCommand) => {
        const price = fromTicks(current, GRID);
        if (c.type === 'placeEntry') {
          for (const leg of c.legs)
            pending.push({
              type: 'order.filled',
              ts,
              tag: leg.tag,
              orderId: 'e',
              price: leg.price,
              quantity: leg.quantity,
              side: 'buy',
              fees: 0,
            });
        } else if (c.type === 'closePosition') {
          pending.push({
            type: 'order.filled',
            ts,
            tag: c.tag,
            orderId: 'x',
            price,
            quantity: c.quantity,
            side: 'sell',
            fees: 0,
          });
        }
      },
    },
    protectiveStops: 'local',
  });
  const reopen: number[] = [];
  runtime.outputs$.subscribe((o) => {
    if (o.type === 'position.finished') {
      closed++;
      reopen.push(Number(o.context.accountId.slice(1)));
    }
  });
  const open = (account: number) =>
    runtime.open(request(`q${seq++}`, planAt(current, widthOf(account)), ts, `a${account}`), ts);
  const drain = () => {
    while (pending.length || reopen.length) {
      while (pending.length) events$.next(pending.shift()!);
      while (reopen.length) open(reopen.shift()!);
    }
  };
  for (let i = 0; i < positions; i++) open(i);
  drain();
  for (let k = 0; k < ticks.length; k++) {
    current = ticks[k]!;
    ts = k;
    if (routed) runtime.tick('ES', fromTicks(current, GRID), k);
    else runtime.send({ type: 'tick', ts: k, symbol: 'ES', price: fromTicks(current, GRID) });
    if (pending.length || reopen.length) drain();
  }
  runtime.stop();
  return closed;
}

function rate(fn: () => number, events: number): { perSecond: number; result: number } {
  fn(); // warm-up
  const start = performance.now();
  const result = fn();
  const ms = performance.now() - start;
  return { perSecond: (events / ms) * 1000, result };
}

export const suite: BenchSuite = {
  name: 'machines: ticks through the position machine and the engine (vs a plain-loop ladder over the same ticks)',
  async run() {
    const figures: BenchFigure[] = [];
    const single = walk(100_000, 1);
    const width = (i: number) => 8 + (i % 24);
    {
      const machine = rate(() => positionMachineRun(single, 8), single.length);
      const plain = rate(() => plainLadder(single, 1, () => 8), single.length);
      figures.push({
        name: 'position machine, every tick into the actor',
        value: machine.perSecond,
        unit: 'ticks/s',
        baseline: { name: 'plain ladder', value: plain.perSecond },
        note: `${machine.result} trades (plain: ${plain.result})`,
      });
    }
    for (const positions of [1, 10, 1_000]) {
      const ticks = positions === 1_000 ? walk(2_000, 2) : walk(100_000, 2);
      const plain = rate(() => plainLadder(ticks, positions, width), ticks.length);
      const routed = rate(() => engineRun(ticks, positions, width, true), ticks.length);
      figures.push({
        name: `engine, ${positions} open position(s), band routing`,
        value: routed.perSecond,
        unit: 'ticks/s',
        baseline: { name: 'plain ladder', value: plain.perSecond },
        note: `${routed.result} trades (plain: ${plain.result})`,
      });
      if (positions <= 10) {
        const every = rate(() => engineRun(ticks, positions, width, false), ticks.length);
        figures.push({
          name: `engine, ${positions} open position(s), every tick into the engine`,
          value: every.perSecond,
          unit: 'ticks/s',
          baseline: { name: 'plain ladder', value: plain.perSecond },
        });
      }
    }
    return figures;
  },
};
