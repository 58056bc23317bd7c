/**
 * The trader's scenarios of the [risk] issue, each through the signal processor, the engine runtime
 * and the simulated exchange: every one is refused or resized with a reason that names the numbers.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../sim/clock.ts';
import { SimulatedExchange } from '../../sim/exchange.ts';
import { initialGuardState, startingBalanceOf } from '../../src/domain/guards.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import { createEngineRuntime } from '../../src/runtime/engine-runtime.ts';
import { type GuardEvent, type SignalDecision, SignalProcessor } from '../../src/runtime/signal-processor.ts';
import { valueAreaBars } from '../fixtures/value-area-bars.ts';

// Tuesday 2026-03-10 08:30 CDT.
const T0 = Date.parse('2026-03-10T13:30:00Z');
const MIN = 60_000;

const history = (until: number, minutes = 240) => valueAreaBars(until, minutes, { spike: true });

function setup(overrides: Partial<BotSettings> = {}, start = T0) {
  // Three symbols may be open at once and each may plan 5 contracts: the defaults the issue tried.
  const settings: BotSettings = { ...DEFAULT_SETTINGS, riskPerTrade: 2_000, maxContracts: 15, ...overrides };
  const clock = new VirtualClock(start - MIN);
  const exchange = new SimulatedExchange(clock, { ackLatencyMs: 0 });
  const runtime = createEngineRuntime({ clock, broker: exchange });
  const decisions: SignalDecision[] = [];
  const events: GuardEvent[] = [];
  const processor = new SignalProcessor({
    runtime,
    accountId: 'ACC',
    settings: () => settings,
    bars: (_symbol, ts, minutes) => history(Math.floor(ts / MIN) * MIN, Math.min(minutes, 240)),
    contractId: (symbol) => `SIM.${symbol}`,
    guardState: initialGuardState({ startingBalance: startingBalanceOf(settings) }, start),
    onDecision: (d) => decisions.push(d),
    onGuardEvent: (e) => events.push(e),
  });
  let n = 0;
  const alert = (symbol: string, action: 'buy' | 'sell', ts: number) =>
    processor.process({ key: `a${++n}`, alertId: n, symbol, action }, ts);
  const price = (symbol: string, p: number, ts: number) => {
    clock.advanceTo(ts);
    exchange.onPrice(symbol, p, ts);
    runtime.tick(symbol, p, ts);
    processor.onClock(ts);
  };
  const held = () =>
    runtime.positions().reduce((sum, p) => sum + p.context.filledQty - p.context.exitedQty, 0);
  return { settings, processor, runtime, exchange, decisions, events, alert, price, held };
}

describe('the account-wide risk check: the issue’s scenarios', () => {
  it('15 ES on a 50K account: the first entry takes the 5-contract cap, the next ones are refused', () => {
    const s = setup({ riskPerTrade: 5_000 });
    s.price('ES', 5006, T0 - 1_000);
    s.price('NQ', 5006, T0 - 1_000);
    const first = s.alert('ES', 'buy', T0);
    expect(first.plan?.quantity).toBe(5);
    const second = s.alert('NQ', 'buy', T0 + 1_000);
    expect(second).toMatchObject({ status: 'FILTERED' });
    expect(second.reason).toBe(
      'FILTERED: position cap — 5 of 5 minis open or working (Trading Combine 50K); not even 1 NQ fits',
    );
  });

  it('micros count 10 to a mini: 3 ES working leave room for 20 MES, and a bigger plan is resized', () => {
    const s = setup({ maxContracts: 3, riskPerTrade: 5_000 });
    s.price('ES', 5006, T0 - 1_000);
    s.price('MES', 5006, T0 - 1_000);
    expect(s.alert('ES', 'buy', T0).plan?.quantity).toBe(3);
    (s.settings as { maxContracts: number }).maxContracts = 40; // the MES plan asks for 40
    const micro = s.alert('MES', 'buy', T0 + 1_000);
    expect(micro.plan?.quantity).toBe(20);
    s.price('MES', 5006, T0 + 2_000);
    expect(s.decisions.at(-1)?.reason).toMatch(
      /^EXECUTED: long 20 MES @ 5004 \(resized 40 → 20 MES \(risk \$\d[\d,.]*\): position cap: 3 of 5 minis open or working\)/,
    );
  });

  it('the worst case must stay the buffer above the loss limit: sized down, then refused with the numbers', () => {
    // combine-50k at $48,500: floor $48,000, buffer $200 → $300 of room.
    const s = setup({ riskPerTrade: 2_000, maxContracts: 3 });
    s.processor.seedBalance(48_500, T0 - 2_000);
    s.price('ES', 5006, T0 - 1_000);
    s.price('NQ', 5006, T0 - 1_000);
    const d = s.alert('ES', 'buy', T0);
    // $65.30 a contract (4 ticks + 1 tick slippage × $12.50 + $2.80 fees): 3 fit in $300.
    expect([d.plan?.quantity, d.plan?.riskDollars]).toEqual([3, 195.9]);
    // $300 − $195.90 of open risk leaves $104.10; an NQ contract risks (4 + 1) × $5 + $2.80 = $27.80.
    const nq = s.alert('NQ', 'buy', T0 + 1_000);
    expect([nq.plan?.quantity, nq.plan?.riskDollars]).toEqual([2, 55.6]);
    s.price('NQ', 5006, T0 + 2_000);
    expect(s.decisions.at(-1)?.reason).toBe(
      'EXECUTED: long 2 NQ @ 5004 (resized 3 → 2 NQ (risk $55.60): position cap: 3 of 5 minis open or working) — entry order SIM-2 accepted',
    );
    const t = setup({ riskPerTrade: 2_000, accountRules: 'combine-150k' });
    t.processor.seedBalance(145_750, T0 - 2_000); // floor $145,500, buffer $200 → $50 of room
    t.price('ES', 5006, T0 - 1_000);
    const refused = t.alert('ES', 'buy', T0);
    expect(refused.reason).toBe(
      'FILTERED: risk — would risk $65.30 with 1 ES (stop, 1 tick slippage and fees), room above the loss limit $50.00 (balance $145,750.00 − Maximum Loss Limit $145,500.00 − buffer $200.00 − open risk $0.00)',
    );
  });

  it('a buy while the price is already below the planned stop is refused; through the entry it is refused or re-planned', () => {
    const s = setup();
    s.price('ES', 5002.5, T0 - 1_000);
    expect(s.alert('ES', 'buy', T0).reason).toBe(
      'FILTERED: crossed — last price 5002.5 is already at or below the stop 5003 of the long plan (entry 5004): it would fill and stop out at once; refused',
    );
    const r = setup();
    r.price('ES', 5003.5, T0 - 1_000);
    expect(r.alert('ES', 'buy', T0).reason).toBe(
      'FILTERED: crossed — last price 5003.5 is already below the long entry 5004 (the limit would fill at once); crossedEntry is refuse',
    );
    const p = setup({ crossedEntry: 'replan' });
    p.price('ES', 5003.5, T0 - 1_000);
    const replanned = p.alert('ES', 'buy', T0);
    expect(replanned.plan).toMatchObject({ entryPrice: 5003.5, stopPrice: 5003, quantity: 5 });
    p.price('ES', 5003.5, T0 + 1_000);
    expect(p.decisions.at(-1)?.reason).toContain(
      're-planned: last price 5003.5 was already below the entry 5004, entry moved to 5003.5 (crossedEntry is replan)',
    );
  });

  it('entries stop at 15:00 CT and positions are flattened at 15:05 CT, before the 15:10 deadline', () => {
    const s = setup();
    s.price('ES', 5006, T0 - 1_000);
    s.alert('ES', 'buy', T0);
    s.price('ES', 5003.75, T0 + 1_000);
    s.price('ES', 5004, T0 + 1_500);
    expect(s.held()).toBe(5);
    const at = (hhmm: string) => Date.parse(`2026-03-10T${hhmm}:00-05:00`);
    expect(s.alert('NQ', 'buy', at('15:00')).reason).toBe(
      'GUARD: no new entries after 15:00 CT — it is 15:00 CT; entries again from 17:00 CT',
    );
    s.price('ES', 5005, at('15:04'));
    expect(s.held()).toBe(5);
    s.price('ES', 5005, at('15:05'));
    s.price('ES', 5005, at('15:05') + 1_000);
    s.price('ES', 5005, at('15:05') + 2_000);
    expect(s.held()).toBe(0);
    expect(s.events.at(-1)).toMatchObject({ kind: 'flattened', guard: 'flat_by' });
  });

  it('the day after Thanksgiving: no entries after the 12:15 CT early close (nor 10 minutes before it)', () => {
    const start = Date.parse('2026-11-27T08:30:00-06:00');
    const s = setup({}, start);
    s.price('ES', 5006, start);
    const late = s.alert('ES', 'buy', Date.parse('2026-11-27T12:20:00-06:00'));
    expect(late.reason).toMatch(
      /^GUARD: flatten-at time — it is 12:20 CT, flat from 12:10 CT \(Day after Thanksgiving: CME closes at 12:15 CT\)/,
    );
    expect(s.alert('ES', 'buy', Date.parse('2026-11-27T12:05:00-06:00')).reason).toMatch(
      /^GUARD: no new entries after 12:05 CT/,
    );
  });

  it('the personal daily loss limit resets at 17:00 CT by itself, and says so', () => {
    const s = setup({ dailyLossLimit: 150, riskBuffer: 0, riskPerTrade: 500 });
    s.price('ES', 5006, T0 - 1_000);
    const d = s.alert('ES', 'buy', T0);
    expect(d.plan?.quantity).toBe(2);
    s.price('ES', 5003.75, T0 + 1_000);
    s.price('ES', 5004, T0 + 1_500);
    s.price('ES', 5002.5, T0 + 2_000);
    s.price('ES', 5002.5, T0 + 3_000);
    expect(s.held()).toBe(0);
    const next = s.alert('ES', 'buy', T0 + 10 * MIN);
    expect(next.reason).toMatch(
      /^GUARD: daily loss limit — \$\d+\.\d\d lost today \(limit \$150.00, liquidate and block\)/,
    );
    const evening = Date.parse('2026-03-10T17:00:00-05:00');
    s.price('ES', 5006, evening);
    expect(s.alert('ES', 'buy', evening + MIN).status).toBe('EXECUTING');
    expect(s.events.map((e) => [e.kind, e.guard])).toEqual([
      ['stopped', 'daily_loss'],
      ['resumed', 'daily_loss'],
    ]);
    expect(s.events[1]?.reason).toBe('daily loss limit reset with the trading day 2026-03-11 (17:00 CT)');
  });

  it('the broker balance wins and a difference beyond the tolerance is reported', () => {
    const s = setup();
    expect(s.processor.syncBalance(50_003, T0)).toMatchObject({ difference: 3, mismatch: false });
    expect(s.processor.syncBalance(49_250, T0 + 1)).toEqual({
      ts: T0 + 1,
      broker: 49_250,
      bot: 50_003,
      difference: -753,
      mismatch: true,
    });
    expect(s.processor.guardState()).toMatchObject({ equity: 49_250, realizedPnlToday: -750 });
  });
});
