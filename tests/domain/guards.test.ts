/** Prop-firm guards: latched breaches, day rolls, trading window and flat-by time, all from event times. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyTrade,
  checkGuards,
  type GuardSettings,
  type GuardState,
  initialGuardState,
  markToMarket,
  resetGuard,
  rollDay,
} from '../../src/domain/guards.ts';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.ts';

const settings: GuardSettings = { ...DEFAULT_SETTINGS }; // $1,000 daily loss, $2,000 trailing, flat by 15:10 Chicago
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

  it('the daily loss limit latches on the trade that reaches it and asks to flatten', () => {
    let s = applyTrade(fresh(), { netPnl: -600, exitTime: MORNING + 1_000 }, settings);
    expect(s.dailyLoss).toBeNull();
    s = applyTrade(s, { netPnl: -450, exitTime: MORNING + 2_000 }, settings);
    expect(s.dailyLoss).toEqual({
      at: MORNING + 2_000,
      reason: expect.stringMatching(/^GUARD: daily loss limit — \$1,050.00 lost today \(limit \$1,000.00\)/),
    });
    const check = checkGuards(s, settings, MORNING + 3_000);
    expect(check).toMatchObject({ allowed: false, code: 'daily_loss', flattenNow: true });
    // A later win does not unlatch it.
    s = applyTrade(s, { netPnl: 2_000, exitTime: MORNING + 4_000 }, settings);
    expect(checkGuards(s, settings, MORNING + 5_000).allowed).toBe(false);
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

  it('trailing drawdown follows the equity high and latches', () => {
    let s = applyTrade(fresh(), { netPnl: 1_500, exitTime: MORNING }, settings);
    expect(s.highWaterMark).toBe(51_500);
    s = rollDay(s, MORNING + 24 * HOUR);
    s = applyTrade(s, { netPnl: -900, exitTime: MORNING + 24 * HOUR }, settings);
    s = rollDay(s, MORNING + 48 * HOUR);
    s = applyTrade(s, { netPnl: -900, exitTime: MORNING + 48 * HOUR }, settings);
    expect(s.trailingDrawdown).toBeNull();
    s = rollDay(s, MORNING + 72 * HOUR);
    s = applyTrade(s, { netPnl: -250, exitTime: MORNING + 72 * HOUR }, settings);
    expect(s.trailingDrawdown?.reason).toMatch(
      /^GUARD: trailing drawdown — equity \$49,450.00 is \$2,050.00 below its high of \$51,500.00/,
    );
    expect(checkGuards(s, settings, MORNING + 72 * HOUR)).toMatchObject({
      allowed: false,
      code: 'trailing_drawdown',
      flattenNow: true,
    });
  });

  it('a manual reset clears one guard: daily loss zeroes the day, trailing drawdown re-bases the high', () => {
    let s = applyTrade(fresh(), { netPnl: -1_200, exitTime: MORNING }, settings);
    s = resetGuard(s, 'dailyLoss');
    expect(s).toMatchObject({ dailyLoss: null, realizedPnlToday: 0 });
    expect(checkGuards(s, settings, MORNING + 1).allowed).toBe(true);
    let t = applyTrade(fresh(), { netPnl: -2_100, exitTime: MORNING }, { ...settings, dailyLossLimit: 0 });
    expect(t.trailingDrawdown).not.toBeNull();
    t = resetGuard(t, 'trailingDrawdown');
    expect(t).toMatchObject({ trailingDrawdown: null, highWaterMark: 47_900 });
  });

  it('flat-by 15:10 Chicago: entries refused and flatten requested until the 17:00 reopen', () => {
    const s = fresh();
    expect(checkGuards(s, settings, Date.parse('2025-06-10T20:09:00Z')).allowed).toBe(true); // 15:09 CDT
    const at = checkGuards(s, settings, Date.parse('2025-06-10T20:10:00Z')); // 15:10 CDT
    expect(at).toMatchObject({ allowed: false, code: 'flat_by', flattenNow: true });
    expect(at.reason).toBe(
      'GUARD: flat-by time — it is 15:10 America/Chicago, flat by 15:10 until the session reopens',
    );
    expect(checkGuards(s, settings, Date.parse('2025-06-10T21:59:00Z')).allowed).toBe(false); // 16:59
    expect(checkGuards(s, settings, Date.parse('2025-06-10T22:00:00Z')).allowed).toBe(true); // 17:00 reopen
    // Winter time: 15:10 CST is 21:10Z.
    expect(checkGuards(s, settings, Date.parse('2025-01-14T21:09:00Z')).allowed).toBe(true);
    expect(checkGuards(s, settings, Date.parse('2025-01-14T21:10:00Z')).allowed).toBe(false);
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
    const newYork = { ...windowed, timeZone: 'America/New_York', flatByTime: '' };
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

  it('a latched guard stays latched (same reason and time) until its manual reset', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        let s = fresh();
        let t = MORNING;
        let daily = s.dailyLoss;
        let trailing = s.trailingDrawdown;
        for (const st of steps) {
          t += st.dt;
          s = apply(s, st, t);
          if (daily) expect(s.dailyLoss).toEqual(daily);
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
  it('a day roll resets the day’s P&L but neither equity, the high-water mark nor any latch', () => {
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
          expect({ ...rolled, realizedPnlToday: 0, tradingDay: '' }).toEqual({
            ...s,
            realizedPnlToday: 0,
            tradingDay: '',
          });
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('equity is the starting balance plus every trade, and the high-water mark never falls except by reset', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let s = fresh();
        let t = MORNING;
        let sum = 0;
        let high = s.highWaterMark;
        for (const st of steps) {
          t += st.dt;
          s = apply(s, st, t);
          if (st.kind === 'trade') sum += st.pnl;
          expect(s.highWaterMark).toBeGreaterThanOrEqual(high);
          high = s.highWaterMark;
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
