/** Prop-firm guards: latched breaches, day rolls, trading window and flat-by time, all from event times. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyTrade,
  checkGuards,
  floorsOf,
  type GuardSettings,
  type GuardState,
  initialGuardState,
  markToMarket,
  resetGuard,
  rollDay,
  syncBalance,
} from '../../src/domain/guards.ts';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.ts';

// combine-50k: $2,000 Maximum Loss Limit, $200 buffer; $1,000 personal daily limit; entries until 15:00, flat at 15:05 CT.
const settings: GuardSettings = { ...DEFAULT_SETTINGS };
// Tuesday 2025-06-10 09:00 CDT.
const MORNING = Date.parse('2025-06-10T14:00:00Z');
const HOUR = 3_600_000;

function fresh(): GuardState {
  return initialGuardState(settings, MORNING);
}

describe('guards', () => {
  it('a fresh state on a weekday morning allows entries', () => {
    expect(checkGuards(fresh(), settings, MORNING)).toEqual({
      allowed: true,
      reason: null,
      flattenNow: false,
    });
  });

  it('the daily loss limit (liquidate and block) latches on the trade that reaches it and resets with the trading day at 17:00 CT', () => {
    let s = applyTrade(fresh(), { netPnl: -600, exitTime: MORNING + 1_000 }, settings);
    expect(s.dailyLoss).toBeNull();
    s = applyTrade(s, { netPnl: -450, exitTime: MORNING + 2_000 }, settings);
    expect(s.dailyLoss).toEqual({
      at: MORNING + 2_000,
      reason: expect.stringMatching(
        /^GUARD: daily loss limit — \$1,050.00 lost today \(limit \$1,000.00, liquidate and block\): flattened, no entries until the trading day ends at 17:00 CT/,
      ),
    });
    expect(checkGuards(s, settings, MORNING + 3_000)).toMatchObject({
      allowed: false,
      code: 'daily_loss',
      flattenNow: true,
    });
    // A later win the same day does not unlatch it.
    s = applyTrade(s, { netPnl: 2_000, exitTime: MORNING + 4_000 }, settings);
    expect(checkGuards(s, settings, Date.parse('2025-06-10T21:59:00Z')).allowed).toBe(false); // 16:59 CDT
    // 17:00 CT starts the next trading day: the personal limit resets, live and in backtests alike.
    expect(checkGuards(s, settings, Date.parse('2025-06-10T22:00:00Z')).allowed).toBe(true);
    expect(rollDay(s, Date.parse('2025-06-10T22:00:00Z'))).toMatchObject({
      dailyLoss: null,
      realizedPnlToday: 0,
    });
  });

  it('the daily loss limit with liquidate flattens while the day is at the limit but latches nothing', () => {
    const liquidate: GuardSettings = { ...settings, dailyLossAction: 'liquidate' };
    const s = applyTrade(fresh(), { netPnl: -1_000, exitTime: MORNING }, liquidate);
    expect(s.dailyLoss).toBeNull();
    expect(checkGuards(s, liquidate, MORNING + 1)).toMatchObject({
      allowed: false,
      code: 'daily_loss',
      flattenNow: true,
      reason: expect.stringContaining('(limit $1,000.00, liquidate): flattened'),
    });
    expect(checkGuards(s, liquidate, Date.parse('2025-06-10T22:00:00Z')).allowed).toBe(true);
  });

  it('open losses count when passed: markToMarket latches, checkGuards refuses', () => {
    const s = applyTrade(fresh(), { netPnl: -500, exitTime: MORNING }, settings);
    expect(checkGuards(s, settings, MORNING + 1, -600)).toMatchObject({
      allowed: false,
      code: 'daily_loss',
      flattenNow: true,
    });
    expect(markToMarket(s, settings, MORNING + 1, -600).dailyLoss).not.toBeNull();
    expect(markToMarket(s, settings, MORNING + 1, -100).dailyLoss).toBeNull();
  });

  it('the Maximum Loss Limit trails the end-of-day balance, not intraday highs, and trips at the buffer above it', () => {
    const noDaily: GuardSettings = { ...settings, dailyLossLimit: 0 }; // combine-50k: $2,000, buffer $200
    let s = applyTrade(fresh(), { netPnl: 1_500, exitTime: MORNING }, noDaily);
    expect(s.highWaterMark).toBe(50_000); // intraday: the floor has not moved
    expect(floorsOf(s, noDaily).lossLimit).toBe(48_000);
    s = rollDay(s, MORNING + 24 * HOUR);
    expect(s.highWaterMark).toBe(51_500); // set at the end of the trading day
    expect(floorsOf(s, noDaily).lossLimit).toBe(49_500);
    s = applyTrade(s, { netPnl: -1_700, exitTime: MORNING + 24 * HOUR }, noDaily);
    expect(s.trailingDrawdown).toBeNull(); // $49,800: $300 above the floor
    s = applyTrade(s, { netPnl: -100, exitTime: MORNING + 25 * HOUR }, noDaily);
    expect(s.trailingDrawdown?.reason).toBe(
      'GUARD: loss limit — balance $49,700.00 is within the $200.00 buffer above the Maximum Loss Limit $49,500.00 (end-of-day high $51,500.00 − $2,000.00); flattened and latched until a manual reset',
    );
    expect(checkGuards(s, noDaily, MORNING + 26 * HOUR)).toMatchObject({
      allowed: false,
      code: 'trailing_drawdown',
      flattenNow: true,
    });
  });

  it('the Maximum Loss Limit locks at the starting balance', () => {
    const noDaily: GuardSettings = { ...settings, dailyLossLimit: 0 };
    let s = fresh();
    let t = MORNING;
    for (const [pnl, floor] of [
      [1_000, 49_000],
      [2_000, 50_000],
      [2_000, 50_000],
      [5_000, 50_000],
    ] as const) {
      s = applyTrade(s, { netPnl: pnl, exitTime: t }, noDaily);
      t += 24 * HOUR;
      s = rollDay(s, t);
      expect(floorsOf(s, noDaily).lossLimit).toBe(floor);
    }
    // A custom account without a loss limit has no floor.
    expect(floorsOf(s, { ...noDaily, accountRules: 'custom', trailingDrawdown: 0 }).effective).toBeNull();
  });

  it('a manual reset clears one guard: daily loss zeroes the day; the loss-limit floor stays where the firm has it', () => {
    let s = applyTrade(fresh(), { netPnl: -1_200, exitTime: MORNING }, settings);
    s = resetGuard(s, 'dailyLoss');
    expect(s).toMatchObject({ dailyLoss: null, realizedPnlToday: 0 });
    expect(checkGuards(s, settings, MORNING + 1).allowed).toBe(true);
    const noDaily = { ...settings, dailyLossLimit: 0 };
    let t = applyTrade(fresh(), { netPnl: -1_850, exitTime: MORNING }, noDaily);
    expect(t.trailingDrawdown).not.toBeNull();
    t = resetGuard(t, 'trailingDrawdown');
    expect(t).toMatchObject({ trailingDrawdown: null, highWaterMark: 50_000 });
    // Still inside the buffer: the next check latches again.
    expect(checkGuards(t, noDaily, MORNING + 1).allowed).toBe(false);
    expect(checkGuards(t, { ...noDaily, riskBuffer: 100 }, MORNING + 1).allowed).toBe(true);
  });

  it('the broker balance wins: syncBalance replaces the balance and moves the day with it', () => {
    const s = syncBalance(fresh(), 49_400, MORNING, settings);
    expect(s).toMatchObject({ equity: 49_400, realizedPnlToday: -600, dailyLoss: null });
    const worse = syncBalance(s, 48_900, MORNING + 1, settings);
    expect(worse.dailyLoss?.reason).toMatch(/\$1,100.00 lost today/);
    expect(syncBalance(fresh(), 50_000, MORNING, settings)).toEqual(fresh());
  });

  it('no new entries from 15:00 CT, flatten at 15:05 CT (before the 15:10 deadline), both until the 17:00 reopen', () => {
    const s = fresh();
    expect(checkGuards(s, settings, Date.parse('2025-06-10T19:59:00Z')).allowed).toBe(true); // 14:59 CDT
    expect(checkGuards(s, settings, Date.parse('2025-06-10T20:00:00Z'))).toEqual({
      allowed: false,
      code: 'no_new_entries',
      flattenNow: false,
      reason: 'GUARD: no new entries after 15:00 CT — it is 15:00 CT; entries again from 17:00 CT',
    });
    const at = checkGuards(s, settings, Date.parse('2025-06-10T20:05:00Z')); // 15:05 CDT
    expect(at).toEqual({
      allowed: false,
      code: 'flat_by',
      flattenNow: true,
      reason:
        'GUARD: flatten-at time — it is 15:05 CT, flat from 15:05 CT until the session reopens at 17:00 CT',
    });
    expect(checkGuards(s, settings, Date.parse('2025-06-10T21:59:00Z')).allowed).toBe(false); // 16:59
    expect(checkGuards(s, settings, Date.parse('2025-06-10T22:00:00Z')).allowed).toBe(true); // 17:00 reopen
    // Winter time: 15:05 CST is 21:05Z.
    expect(checkGuards(s, settings, Date.parse('2025-01-14T20:59:00Z')).allowed).toBe(true);
    expect(checkGuards(s, settings, Date.parse('2025-01-14T21:05:00Z'))).toMatchObject({ code: 'flat_by' });
    // Times are local to timeZone: 16:00 New York is 15:00 Chicago.
    const newYork = { ...settings, timeZone: 'America/New_York', noNewEntriesAfter: '16:00', flatByTime: '' };
    expect(checkGuards(s, newYork, Date.parse('2025-06-10T19:59:00Z')).allowed).toBe(true);
    expect(checkGuards(s, newYork, Date.parse('2025-06-10T20:00:00Z'))).toMatchObject({
      code: 'no_new_entries',
    });
  });

  it('an early close moves both cuts earlier by the same margins; a closed day refuses entries; past the calendar is an error', () => {
    // Day after Thanksgiving 2026: equity halts at 12:15 CT, metals at 13:45 CT.
    const at = (hhmmCt: string) => Date.parse(`2026-11-27T${hhmmCt}:00-06:00`);
    expect(checkGuards(fresh(), settings, at('12:04'), 0, ['ES']).allowed).toBe(true);
    expect(checkGuards(fresh(), settings, at('12:05'), 0, ['ES'])).toEqual({
      allowed: false,
      code: 'no_new_entries',
      flattenNow: false,
      reason:
        'GUARD: no new entries after 12:05 CT (Day after Thanksgiving: CME closes at 12:15 CT) — it is 12:05 CT; entries again from 17:00 CT',
    });
    expect(checkGuards(fresh(), settings, at('12:10'), 0, ['ES'])).toMatchObject({
      code: 'flat_by',
      flattenNow: true,
    });
    expect(checkGuards(fresh(), settings, at('13:30'), 0, ['GC']).allowed).toBe(true);
    expect(checkGuards(fresh(), settings, at('13:35'), 0, ['GC'])).toMatchObject({ code: 'no_new_entries' });
    // With both held, the earliest close decides.
    expect(checkGuards(fresh(), settings, at('12:10'), 0, ['GC', 'ES'])).toMatchObject({ code: 'flat_by' });
    // Without a symbol there is no product calendar to apply (the normal cuts only).
    expect(checkGuards(fresh(), settings, at('12:10')).allowed).toBe(true);
    expect(checkGuards(fresh(), settings, Date.parse('2026-12-25T10:00:00-06:00'), 0, ['ES'])).toMatchObject({
      allowed: false,
      code: 'market_closed',
      reason: 'GUARD: market closed — CME is closed for Christmas Day (trading day 2026-12-25)',
    });
    expect(checkGuards(fresh(), settings, Date.parse('2031-03-04T10:00:00-06:00'), 0, ['ES'])).toMatchObject({
      allowed: false,
      code: 'calendar',
      reason: expect.stringMatching(/^GUARD: calendar — the CME holiday calendar has no data for 2031/),
    });
  });

  it('the trading window refuses entries outside it without asking to flatten', () => {
    const windowed = { ...settings, tradingWindowStart: '08:30', tradingWindowEnd: '15:00' };
    expect(checkGuards(fresh(), windowed, Date.parse('2025-06-10T13:29:00Z'))).toMatchObject({
      allowed: false,
      code: 'trading_window',
      flattenNow: false,
      reason: 'GUARD: trading window — it is 08:29 America/Chicago, entries only 08:30–15:00',
    });
    expect(checkGuards(fresh(), windowed, Date.parse('2025-06-10T13:30:00Z')).allowed).toBe(true);
    const newYork = { ...windowed, timeZone: 'America/New_York', flatByTime: '', noNewEntriesAfter: '' };
    expect(checkGuards(fresh(), newYork, Date.parse('2025-06-10T13:30:00Z')).allowed).toBe(true); // 09:30 EDT
  });

  it('settings with a bad clock string fail loudly with the field name', () => {
    expect(() => checkGuards(fresh(), { ...settings, flatByTime: '3:10pm' }, MORNING)).toThrow(
      /flatByTime "3:10pm" is not a clock time/,
    );
  });

  // Properties over random sequences of trades, day rolls, marks and resets.
  type Step =
    | { kind: 'trade'; pnl: number; dt: number }
    | { kind: 'roll'; dt: number }
    | { kind: 'mark'; pnl: number; dt: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant('trade' as const),
      pnl: fc.integer({ min: -800, max: 800 }),
      dt: fc.integer({ min: 0, max: 6 * HOUR }),
    }),
    fc.record({ kind: fc.constant('roll' as const), dt: fc.integer({ min: 0, max: 30 * HOUR }) }),
    fc.record({
      kind: fc.constant('mark' as const),
      pnl: fc.integer({ min: -1_500, max: 500 }),
      dt: fc.integer({ min: 0, max: HOUR }),
    }),
  );

  function apply(s: GuardState, st: Step, t: number): GuardState {
    if (st.kind === 'trade') return applyTrade(s, { netPnl: st.pnl, exitTime: t }, settings);
    if (st.kind === 'roll') return rollDay(s, t);
    return markToMarket(s, settings, t, st.pnl);
  }

  it('a latched guard stays latched (same reason and time) until its manual reset; the daily one until the day ends', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        let s = fresh();
        let t = MORNING;
        let daily = s.dailyLoss;
        let trailing = s.trailingDrawdown;
        for (const st of steps) {
          t += st.dt;
          const day = s.tradingDay;
          s = apply(s, st, t);
          if (daily && s.tradingDay === day) expect(s.dailyLoss).toEqual(daily);
          if (trailing) expect(s.trailingDrawdown).toEqual(trailing);
          daily = s.dailyLoss;
          trailing = s.trailingDrawdown;
          if (daily || trailing)
            expect(checkGuards(s, settings, t)).toMatchObject({ allowed: false, flattenNow: true });
        }
        expect(resetGuard(resetGuard(s, 'dailyLoss'), 'trailingDrawdown')).toMatchObject({
          dailyLoss: null,
          trailingDrawdown: null,
        });
      }),
      { numRuns: 1_000 },
    );
  });

  // A weekend can make 48 h one trading day (Friday 17:01 → Sunday 17:01); 72 h always moves it.
  it('a day roll resets the day’s P&L and the daily latch, raises the high to the closing balance, keeps the loss-limit latch', () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 30 }),
        fc.integer({ min: 72 * HOUR, max: 10 * 24 * HOUR }),
        (steps, gap) => {
          let s = fresh();
          let t = MORNING;
          for (const st of steps) {
            t += st.dt;
            s = apply(s, st, t);
          }
          const rolled = rollDay(s, t + gap);
          expect(rolled.realizedPnlToday).toBe(0);
          expect(rolled.tradingDay > s.tradingDay).toBe(true);
          expect(rolled.dailyLoss).toBeNull();
          expect(rolled.highWaterMark).toBe(Math.max(s.highWaterMark, s.equity));
          expect(rolled.equity).toBe(s.equity);
          expect(rolled.trailingDrawdown).toEqual(s.trailingDrawdown);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('equity is the starting balance plus every trade; the high only rises, only at a day roll; the floor never falls nor passes the starting balance', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let s = fresh();
        let t = MORNING;
        let sum = 0;
        let high = s.highWaterMark;
        let floor = floorsOf(s, settings).lossLimit!;
        for (const st of steps) {
          t += st.dt;
          const day = s.tradingDay;
          s = apply(s, st, t);
          if (st.kind === 'trade') sum += st.pnl;
          expect(s.highWaterMark).toBeGreaterThanOrEqual(high);
          if (s.tradingDay === day) expect(s.highWaterMark).toBe(high);
          high = s.highWaterMark;
          const next = floorsOf(s, settings).lossLimit!;
          expect(next).toBeGreaterThanOrEqual(floor);
          expect(next).toBeLessThanOrEqual(50_000);
          floor = next;
        }
        expect(s.equity).toBe(settings.startingBalance + sum);
      }),
      { numRuns: 1_000 },
    );
  });

  it('guards are pure: the same inputs give the same answer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
        fc.integer({ min: -3_000, max: 3_000 }),
        (t, pnl) => {
          const s = applyTrade(initialGuardState(settings, t), { netPnl: pnl, exitTime: t }, settings);
          expect(checkGuards(s, settings, t)).toEqual(checkGuards(s, settings, t));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
