/**
 * Properties of the account-wide risk check across random alert and price sequences, on the engine
 * with the simulated broker: the position never exceeds the cap, and the open risk of every position
 * (to its current stop, with slippage and fees) never exceeds the room above the floor minus the
 * buffer. Prices move a tick at a time (no gaps beyond the assumed stop slippage) within one trading
 * day, before the no-new-entries time; open risk and the cap are computed here independently.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../sim/clock.ts';
import { SimulatedExchange } from '../../sim/exchange.ts';
import { lossLimitFloor, maxMinisAt, resolveAccountRules } from '../../src/domain/account-rules.ts';
import { initialGuardState, startingBalanceOf } from '../../src/domain/guards.ts';
import { getInstrument } from '../../src/domain/instruments.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import type { Bar } from '../../src/domain/types.ts';
import { createEngineRuntime } from '../../src/runtime/engine-runtime.ts';
import { SignalProcessor } from '../../src/runtime/signal-processor.ts';

const T0 = Date.parse('2026-03-10T13:30:00Z'); // Tuesday 08:30 CDT
const MIN = 60_000;
const SYMBOLS = ['ES', 'NQ', 'MES', 'MNQ', 'GC', 'MGC'] as const;
/** Round-turn fees as the TopstepX schedule has them (src/domain/fees.ts), written out again here. */
const ROUND_TURN: Record<string, number> = { ES: 2.8, NQ: 2.8, MES: 0.74, MNQ: 0.74, GC: 3.24, MGC: 1.24 };

function history(symbol: string, until: number, minutes: number): Bar[] {
  const tick = getInstrument(symbol)!.tickSize;
  const base = 5000;
  const bars: Bar[] = [];
  for (let i = minutes; i >= 1; i--) {
    const phase = i % 8;
    const mid = base + ((phase < 4 ? phase : 8 - phase) - 2) * 4 * tick;
    bars.push({
      ts: until - i * MIN,
      open: mid,
      high: mid + 4 * tick,
      low: mid - 4 * tick,
      close: mid + tick,
      volume: 100 + (phase === 2 ? 400 : 0),
    });
  }
  return bars;
}

type Step =
  | { kind: 'alert'; symbol: number; action: 'buy' | 'sell' | 'close' }
  | { kind: 'move'; symbol: number; ticks: -1 | 0 | 1; count: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('alert' as const),
      symbol: fc.nat({ max: 5 }),
      action: fc.constantFrom('buy' as const, 'sell' as const, 'close' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      symbol: fc.nat({ max: 5 }),
      ticks: fc.constantFrom(-1 as const, 0 as const, 1 as const),
      count: fc.integer({ min: 1, max: 12 }),
    }),
  },
);

const settingsArb = fc.record({
  accountRules: fc.constantFrom(
    'combine-50k' as const,
    'combine-100k' as const,
    'xfa-50k' as const,
    'custom' as const,
  ),
  riskBuffer: fc.integer({ min: 0, max: 600 }),
  riskPerTrade: fc.integer({ min: 50, max: 4_000 }),
  maxContracts: fc.integer({ min: 1, max: 30 }),
  stopSlippageTicks: fc.integer({ min: 1, max: 3 }),
  crossedEntry: fc.constantFrom('refuse' as const, 'replan' as const),
  dailyLossLimit: fc.constantFrom(0, 400, 1_000),
  maxPosition: fc.integer({ min: 1, max: 8 }),
});

/** Dollars above the floor the account starts with (the room the trader has left). */
const startRoomArb = fc.integer({ min: 0, max: 3_000 });

/** How often the interesting paths were taken, so the property is known to exercise them. */
const seen = { filled: 0, resized: 0, refusedRisk: 0, refusedCap: 0 };

function run(overrides: Partial<BotSettings>, startRoom: number, steps: readonly Step[]) {
  const settings: BotSettings = {
    ...DEFAULT_SETTINGS,
    cooldownMs: 0,
    maxConcurrentTrades: 6,
    trailingDrawdown: 1_500,
    ...overrides,
  };
  const rules = resolveAccountRules(settings);
  const clock = new VirtualClock(T0 - MIN);
  const exchange = new SimulatedExchange(clock, { ackLatencyMs: 0 });
  const runtime = createEngineRuntime({ clock, broker: exchange });
  const start = startingBalanceOf(settings);
  const processor = new SignalProcessor({
    runtime,
    accountId: 'ACC',
    settings: () => settings,
    bars: (symbol, ts, minutes) => history(symbol, Math.floor(ts / MIN) * MIN, Math.min(minutes, 240)),
    contractId: (symbol) => `SIM.${symbol}`,
    guardState: initialGuardState({ startingBalance: start }, T0 - MIN),
    onDecision: (d) => {
      if (d.reason?.includes('(resized ')) seen.resized++;
      if (d.reason?.startsWith('FILTERED: risk')) seen.refusedRisk++;
      if (d.reason?.startsWith('FILTERED: position cap')) seen.refusedCap++;
    },
  });
  // The balance sits `startRoom` above the loss-limit floor (the floor is start − limit here).
  const floorAtStart = lossLimitFloor(rules, start);
  if (floorAtStart !== null) processor.seedBalance(floorAtStart + startRoom, T0 - MIN);
  const prices = SYMBOLS.map((s) => 5000 + 2 * getInstrument(s)!.tickSize);
  let ts = T0;
  let key = 0;
  const tick = (i: number) => {
    const symbol = SYMBOLS[i]!;
    clock.advanceTo(ts);
    exchange.onPrice(symbol, prices[i]!, ts);
    runtime.tick(symbol, prices[i]!, ts);
    processor.onClock(ts);
  };
  for (let i = 0; i < SYMBOLS.length; i++) tick(i);

  const check = () => {
    const state = processor.guardState();
    let units = 0;
    let risk = 0;
    for (const view of runtime.positions()) {
      const c = view.context;
      const dir = c.side === 'long' ? 1 : -1;
      const tickSize = c.grid.tickSize;
      const open = c.filledQty - c.exitedQty;
      const fee = ROUND_TURN[c.symbol]!;
      const toStop = (price: number) =>
        Math.max(0, Math.round(((price - c.stop) * dir) / tickSize) + settings.stopSlippageTicks);
      if (open > 0)
        risk += open * (toStop((c.entryTicksSum / c.filledQty) * tickSize) * c.grid.tickValue + fee);
      let working = 0;
      for (const leg of c.legs) {
        const left = leg.quantity - leg.filled;
        if (left > 0 && ['sent', 'working', 'cancelling'].includes(leg.status)) {
          working += left;
          risk += left * (toStop(leg.price) * c.grid.tickValue + fee);
        }
      }
      units += (open + working) * (getInstrument(c.symbol)!.micro ? 1 : 10);
      if (open > 0) seen.filled++;
    }
    const cap = maxMinisAt(rules, state.equity - state.realizedPnlToday) * 10;
    expect(units).toBeLessThanOrEqual(cap);
    const mll = lossLimitFloor(rules, state.highWaterMark);
    const daily =
      settings.dailyLossLimit > 0 ? state.equity - state.realizedPnlToday - settings.dailyLossLimit : null;
    const floors = [mll, daily].filter((f): f is number => f !== null);
    if (floors.length > 0 && runtime.positions().length > 0) {
      const room = state.equity - Math.max(...floors) - settings.riskBuffer;
      expect(risk).toBeLessThanOrEqual(room + 1e-6);
    }
  };

  for (const step of steps) {
    ts += 2_000;
    if (step.kind === 'alert') {
      processor.process(
        { key: `k${++key}`, alertId: key, symbol: SYMBOLS[step.symbol]!, action: step.action },
        ts,
      );
    } else {
      const size = getInstrument(SYMBOLS[step.symbol]!)!.tickSize;
      for (let n = 0; n < step.count; n++) {
        ts += 500;
        prices[step.symbol] = Math.round((prices[step.symbol]! + step.ticks * size) * 100) / 100;
        tick(step.symbol);
        check();
      }
    }
    check();
  }
}

describe('account-wide risk, across random alerts and prices on the engine and the simulated broker', () => {
  it('the position never exceeds the cap and the open risk never exceeds the room above the floor minus the buffer', () => {
    fc.assert(
      fc.property(
        settingsArb,
        startRoomArb,
        fc.array(stepArb, { minLength: 5, maxLength: 40 }),
        (overrides, room, steps) => {
          run(overrides, room, steps);
        },
      ),
      { numRuns: 1_000 },
    );
    // The sequences reach every path the check has: filled positions, resized and refused entries.
    expect(seen.filled).toBeGreaterThan(300);
    expect(seen.resized).toBeGreaterThan(20);
    expect(seen.refusedRisk).toBeGreaterThan(20);
    expect(seen.refusedCap).toBeGreaterThan(20);
  });
});
