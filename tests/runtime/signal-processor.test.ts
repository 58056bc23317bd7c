import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../sim/clock.ts';
import { SimulatedExchange } from '../../sim/exchange.ts';
import { initialGuardState } from '../../src/domain/guards.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import type { SignalRecord } from '../../src/ports/store.ts';
import { createEngineRuntime } from '../../src/runtime/engine-runtime.ts';
import { type SignalDecision, SignalProcessor } from '../../src/runtime/signal-processor.ts';
import { valueAreaBars } from '../fixtures/value-area-bars.ts';

// 2024-03-05 14:30 UTC = 08:30 Chicago: inside the session, well before the 15:10 flat-by time.
const T0 = Date.UTC(2024, 2, 5, 14, 30);
const MIN = 60_000;

const history = (until: number, minutes = 240) => valueAreaBars(until, minutes, { spike: true });

function setup(overrides: Partial<BotSettings> = {}) {
  const settings: BotSettings = { ...DEFAULT_SETTINGS, flatByTime: '15:10', ...overrides };
  const clock = new VirtualClock(T0 - MIN);
  const exchange = new SimulatedExchange(clock, { ackLatencyMs: 50 });
  const runtime = createEngineRuntime({ clock, broker: exchange });
  const records: SignalRecord[] = [];
  const decisions: SignalDecision[] = [];
  const processor = new SignalProcessor({
    runtime,
    accountId: 'ACC',
    settings: () => settings,
    bars: (_symbol, ts, minutes) => history(Math.floor(ts / MIN) * MIN, Math.min(minutes, 240)),
    contractId: (symbol) => `SIM.${symbol}`,
    guardState: initialGuardState(settings, T0),
    onSignal: (r) => records.push(r),
    onDecision: (d) => decisions.push(d),
  });
  const price = (p: number, ts: number) => {
    clock.advanceTo(ts);
    exchange.onPrice('ES', p, ts);
    runtime.tick('ES', p, ts);
    processor.onClock(ts);
  };
  return { settings, clock, exchange, runtime, processor, records, decisions, price };
}

describe('signal processor: one decision per alert', () => {
  it('places the entry at the value-area edge and records EXECUTING then EXECUTED', () => {
    const s = setup();
    const decision = s.processor.process(
      { key: 'k1', alertId: 7, symbol: 'ES', action: 'buy', firedAt: T0 },
      T0,
    );
    expect(decision.status).toBe('EXECUTING');
    expect(decision.plan?.entryPrice).toBe(decision.plan?.val);
    s.price(5006, T0 + 100);
    expect(s.records.at(-1)).toMatchObject({
      id: 'sk1',
      alertId: 7,
      status: 'EXECUTED',
      executedTradeId: 'pk1',
    });
    expect(s.decisions.map((d) => d.status)).toEqual(['EXECUTED']);
  });

  it('ignores a stale alert with the lag in the reason', () => {
    const s = setup();
    const d = s.processor.process(
      { key: 'k1', alertId: 1, symbol: 'ES', action: 'buy', firedAt: T0 - 95_000 },
      T0,
    );
    expect(d.status).toBe('IGNORED');
    expect(d.reason).toBe('IGNORED: stale — fired 95s before it was processed, maximum lag 60s');
  });

  it('filters when the bot is disabled, and says so', () => {
    const s = setup({ isActive: false });
    const d = s.processor.process({ key: 'k1', alertId: 1, symbol: 'ES', action: 'buy' }, T0);
    expect(d.status).toBe('FILTERED');
    expect(d.reason).toMatch(/^FILTERED: bot disabled/);
  });

  it('filters a new entry inside the cooldown after a trade on the same symbol', () => {
    const s = setup({ cooldownMs: 5 * MIN });
    const first = s.processor.process({ key: 'k1', alertId: 1, symbol: 'ES', action: 'buy' }, T0);
    s.price(5006, T0 + 100);
    s.processor.process({ key: 'k2', alertId: 2, symbol: 'ES', action: 'close' }, T0 + MIN);
    expect(s.runtime.slots()).toHaveLength(1);
    s.price(5006, T0 + MIN + 100);
    expect(s.runtime.slots()).toHaveLength(0);
    const again = s.processor.process(
      { key: 'k3', alertId: 3, symbol: 'ES', action: 'buy' },
      T0 + 2 * MIN + 10_000,
    );
    expect(first.status).toBe('EXECUTING');
    expect(again.status).toBe('FILTERED');
    expect(again.reason).toMatch(/cooldown — last ES entry 2m10s ago, cooldown 5m/);
  });

  it('a close alert with nothing open is a filtered decision with the reason', () => {
    const s = setup();
    const d = s.processor.process({ key: 'k1', alertId: 1, symbol: 'ES', action: 'close' }, T0);
    expect(d.status).toBe('FILTERED');
    expect(d.reason).toBe('FILTERED: position — no open ES position to close');
  });

  it('flattens at the flat-by time and refuses entries until the session reopens', () => {
    const s = setup();
    s.processor.process({ key: 'k1', alertId: 1, symbol: 'ES', action: 'buy' }, T0);
    const entry = s.processor.process({ key: 'k1', alertId: 1, symbol: 'ES', action: 'buy' }, T0);
    const fillPrice = (entry.plan?.entryPrice ?? 0) - 0.25;
    s.price(fillPrice, T0 + 1_000);
    s.price(fillPrice + 0.25, T0 + 2_000);
    const positions = s.runtime.positions();
    expect(positions[0]?.state).toBe('active');
    // 15:10 Chicago on that day is 21:10 UTC.
    const flatBy = Date.UTC(2024, 2, 5, 21, 10);
    s.price(fillPrice + 0.25, flatBy);
    s.price(fillPrice + 0.25, flatBy + 1_000);
    s.price(fillPrice + 0.25, flatBy + 2_000);
    expect(s.runtime.slots()).toHaveLength(0);
    expect(s.exchange.fills.at(-1)).toBeDefined();
    const late = s.processor.process({ key: 'k9', alertId: 9, symbol: 'ES', action: 'buy' }, flatBy + 60_000);
    expect(late.reason).toMatch(/^GUARD: flatten-at time — it is 15:11 CT, flat from 15:10 CT/);
  });

  it('latches the daily loss limit after a losing trade, flattens, and filters new entries', () => {
    const s = setup({ dailyLossLimit: 150, riskBuffer: 0, riskPerTrade: 500 });
    const d = s.processor.process({ key: 'k1', alertId: 1, symbol: 'ES', action: 'buy' }, T0);
    const plan = d.plan!;
    // The room above the day's floor ($150, no buffer) sizes it down: 2 × (4 + 1 ticks × $12.50 + $2.80).
    expect([plan.quantity, plan.riskDollars]).toEqual([2, 130.6]);
    s.price(plan.entryPrice - 0.25, T0 + 1_000);
    s.price(plan.stopPrice - 0.5, T0 + 2_000);
    s.price(plan.stopPrice - 0.5, T0 + 3_000);
    expect(s.runtime.slots()).toHaveLength(0);
    expect(s.processor.guardState().dailyLoss?.reason).toMatch(/daily loss limit/);
    const next = s.processor.process({ key: 'k2', alertId: 2, symbol: 'ES', action: 'sell' }, T0 + 10 * MIN);
    expect(next.status).toBe('FILTERED');
    expect(next.reason).toMatch(/^GUARD: daily loss limit/);
  });
});
