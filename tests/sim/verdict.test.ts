/** The Combine verdict: pass / fail / not yet on the day it happened, the worst distance, Monte Carlo. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { demoSignals } from '../../sim/alerts.ts';
import { runBacktest } from '../../sim/backtest.ts';
import { type BarSeries, parseBarsCsv } from '../../sim/csv.ts';
import { mulberry32 } from '../../sim/random.ts';
import { jsonReport } from '../../sim/report/json.ts';
import {
  combineVerdict,
  monteCarlo,
  type VerdictTrade,
  verdictHtml,
  verdictLines,
  wilsonInterval,
} from '../../sim/report/verdict.ts';
import { type AccountRules, lossLimitFloor } from '../../src/domain/account-rules.ts';
import { rangeBoundCsv } from './synthetic.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const ES = fileURLToPath(
  new URL('../../../shared/data/market/ES_ESZ13_1m_2013-10-06_2013-10-14_utc.csv', import.meta.url),
);
const haveData = existsSync(ES);
if (!haveData && process.env.CI === 'true') throw new Error(`CI needs the shared market data at ${ES}`);
if (!haveData)
  console.warn(`skipped the ES verdict CLI test: ${ES} not found (clone ../shared beside the repo)`);

const COMBINE: AccountRules = {
  name: 'combine-50k',
  label: 'Trading Combine 50K',
  startingBalance: 50_000,
  maxLossLimit: 2_000,
  profitTarget: 3_000,
  consistencyPercent: 50,
  scaling: [{ fromProfit: null, maxMinis: 5 }],
  microsPerMini: 10,
};

const HOUR = 3_600_000;
/** 10:00 CT on the n-th weekday from Monday 2025-03-03 (trading day 2025-03-03 + n weekdays). */
const dayAt = (n: number, hour = 16) => Date.UTC(2025, 2, 3 + n + 2 * Math.floor(n / 5), hour);
const DAY_IDS = ['2025-03-03', '2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07', '2025-03-10'];

/** One ES long of 1 contract on weekday n, closing with `netPnl` (no commissions). */
function trade(n: number, netPnl: number, extra: Partial<VerdictTrade> = {}): VerdictTrade {
  const entryTime = dayAt(n);
  return {
    side: 'long',
    quantity: 1,
    entryPrice: 5000,
    exitPrice: 5000 + netPnl / 50,
    entryTime,
    exitTime: entryTime + HOUR,
    netPnl,
    commissions: 0,
    pointValue: 50,
    exitReason: 'target_tp3',
    ...extra,
  };
}

function verdictOf(trades: VerdictTrade[], days: number, rules = COMBINE, bars?: BarSeries) {
  return combineVerdict(
    { trades, rules, firstTs: Date.UTC(2025, 2, 2, 23), endTs: dayAt(days - 1, 22) },
    bars,
    { runs: 500 },
  );
}

/** One-minute bars with the given lows (open = high = close = 5010). */
function barsWithLows(t0: number, lows: number[]): BarSeries {
  const n = lows.length;
  const column = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
  return {
    kind: 'bars',
    source: 'test',
    length: n,
    ts: column((i) => t0 + i * 60_000),
    open: column(() => 5010),
    high: column(() => 5010),
    low: column((i) => lows[i]!),
    close: column(() => 5010),
    volume: column(() => 1),
  };
}

describe('Combine verdict on hand-built days', () => {
  it('passes on the day the balance closes at the target with the best day under 50 %', () => {
    const v = verdictOf([trade(0, 1000), trade(1, 1200), trade(2, 900)], 4);
    expect(v.verdict).toBe('pass');
    expect(v.day).toBe('2025-03-05');
    expect(v.daysToTarget).toBe(3);
    expect(v.tradingDays).toBe(4);
    expect(v.consistency).toMatchObject({
      bestDay: '2025-03-04',
      bestDayPnl: 1200,
      totalProfit: 3100,
      met: true,
    });
    expect(v.consistency.share).toBeCloseTo(1200 / 3100, 6);
    expect(v.days.map((d) => d.day)).toEqual(DAY_IDS.slice(0, 4));
  });

  it('fails intraday on the day open P&L touches the floor, though the day closes in profit', () => {
    // Long 1 ES at 5000 at 16:00 UTC; a bar at 16:10 trades 4958 (−$2,100 open), then it exits +$100.
    const t = trade(1, 100);
    const bars = barsWithLows(
      t.entryTime,
      Array.from({ length: 60 }, (_, i) => (i === 10 ? 4958 : 5005)),
    );
    const marked = verdictOf([trade(0, 0), t], 3, COMBINE, bars);
    expect(marked.verdict).toBe('fail');
    expect(marked.day).toBe('2025-03-04');
    expect(marked.worstDistance).toEqual({ amount: -100, ts: t.entryTime + 10 * 60_000, day: '2025-03-04' });
    expect(marked.days[1]).toMatchObject({ netPnl: 100, worstOffset: -2100 });
    expect(marked.endingBalance).toBe(50_100);
    expect(marked.reason).toContain('at or below the loss limit $48,000.00');
    // Marked at closes only, the same trades never touch the floor: the bars are what show the breach.
    const closesOnly = verdictOf([trade(0, 0), t], 3);
    expect(closesOnly.verdict).toBe('not yet');
    expect(closesOnly.markToMarket).toBe('trade closes only');
  });

  it('a stop or market exit is marked at its fill, not at the exit bar extreme beyond it; a target exit is', () => {
    const exitTime = dayAt(0) + 60_000;
    const bars = barsWithLows(dayAt(0), [5000, 4990]); // the exit bar trades $500 below entry
    for (const exitReason of ['initial_stop', 'opposing_alert', 'guard_flatten'] as const) {
      const v = verdictOf([trade(0, -250, { exitReason, exitTime })], 1, COMBINE, bars);
      expect(v.days[0]!.worstOffset).toBe(-250);
      expect(v.worstDistance?.amount).toBe(1750);
    }
    const target = verdictOf([trade(0, 250, { exitReason: 'target_tp3', exitTime })], 1, COMBINE, bars);
    expect(target.days[0]).toMatchObject({ netPnl: 250, worstOffset: -500 });
    expect(target.worstDistance).toMatchObject({ amount: 1500, ts: exitTime });
  });

  it('the floor trails the end-of-day high and locks at the starting balance', () => {
    // +2,000 closes at 52,000: floor min(50,000, 50,000) = 50,000, locked. +500 → 52,500: still 50,000
    // (trailing would be 50,500). −2,400 → 50,100 survives; −200 → 49,900 fails.
    const v = verdictOf([trade(0, 2000), trade(1, 500), trade(2, -2400), trade(3, -200)], 5);
    expect(v.verdict).toBe('fail');
    expect(v.day).toBe('2025-03-06');
    expect(v.floorAtEnd).toBe(50_000);
    expect(v.worstDistance).toMatchObject({ amount: -100, day: '2025-03-06' });
    // Before the lock it trails: +1,000 moves the floor to 49,000, so −2,000 the next day fails.
    const trailing = verdictOf([trade(0, 1000), trade(1, -2000)], 2);
    expect(trailing.verdict).toBe('fail');
    expect(trailing.day).toBe('2025-03-04');
    expect(trailing.floorAtEnd).toBe(49_000);
  });

  it('the consistency rule holds a reached target at not yet, and the pass comes when the best day falls under 50 %', () => {
    const trades = [trade(0, 2500), trade(1, 600)];
    const early = verdictOf(trades, 2);
    expect(early.verdict).toBe('not yet');
    expect(early.day).toBe('2025-03-04');
    expect(early.daysToTarget).toBeNull();
    expect(early.reason).toBe(
      'target reached on 2025-03-04, but the best day 2025-03-03 is 80.6% of the profit (consistency target under 50%)',
    );
    const later = verdictOf([...trades, trade(2, 1000), trade(3, 1500)], 5);
    expect(later.verdict).toBe('pass');
    expect(later.day).toBe('2025-03-06');
    expect(later.daysToTarget).toBe(4);
    expect(later.consistency.met).toBe(true);
  });

  it('exactly 50 % is not under 50 %: the best day must be strictly under the target share', () => {
    const v = verdictOf([trade(0, 1500), trade(1, 1500)], 2);
    expect(v.verdict).toBe('not yet');
    expect(v.consistency.met).toBe(false);
  });

  it('days without trades count toward days to target', () => {
    const v = verdictOf([trade(0, 1000), trade(2, 1000), trade(4, 1000)], 6);
    expect(v.verdict).toBe('pass');
    expect(v.daysToTarget).toBe(5);
    expect(v.days.map((d) => d.netPnl)).toEqual([1000, 0, 1000, 0, 1000, 0]);
  });

  it('rules without a profit target can only fail or not yet', () => {
    const xfa: AccountRules = {
      ...COMBINE,
      name: 'xfa-50k',
      startingBalance: 0,
      profitTarget: null,
      consistencyPercent: null,
    };
    const v = verdictOf([trade(0, 5000)], 1, xfa);
    expect(v.verdict).toBe('not yet');
    expect(v.reason).toContain('no profit target');
    expect(v.monteCarlo.passed).toBe(0);
  });

  it('renders the verdict as terminal lines and an HTML table', () => {
    const verdict = verdictOf([trade(0, 1000), trade(1, 1200), trade(2, 900)], 3);
    const lines = verdictLines({ verdict });
    expect(lines[0]).toBe('Combine verdict (combine-50k): PASS on 2025-03-05');
    expect(lines.join('\n')).toContain('Days to target: 3 of 3 trading days');
    expect(lines.join('\n')).toMatch(/Monte Carlo: 500 runs, seed 1, bootstrap of 3 trading days/);
    const html = verdictHtml({ verdict });
    expect(html).toMatch(/^<table class="verdict">/);
    expect(html).toContain('PASS on 2025-03-05');
  });
});

describe('Monte Carlo over trading days', () => {
  const mixed = [
    { netPnl: 900, worstOffset: -300 },
    { netPnl: -700, worstOffset: -900 },
    { netPnl: 400, worstOffset: -1200 },
    { netPnl: -300, worstOffset: -300 },
    { netPnl: 1300, worstOffset: -100 },
  ];

  it('is deterministic for a seed, byte for byte, and changes with another seed', () => {
    const a = monteCarlo(mixed, COMBINE, { seed: 7, runs: 2000 });
    const b = monteCarlo(mixed, COMBINE, { seed: 7, runs: 2000 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const c = monteCarlo(mixed, COMBINE, { seed: 8, runs: 2000 });
    expect(c.passed).not.toBe(a.passed);
    expect(a.passed + a.failed + a.neither).toBe(2000);
    expect(a.passed).toBeGreaterThan(0);
    expect(a.failed).toBeGreaterThan(0);
    expect(a.passInterval95!.low).toBeLessThan(a.passProbability!);
    expect(a.passInterval95!.high).toBeGreaterThan(a.passProbability!);
  });

  it('equals a plain re-implementation of the documented walk, draw for draw', () => {
    const random = mulberry32(11);
    let passed = 0;
    let failed = 0;
    for (let run = 0; run < 3000; run++) {
      let balance = 50_000;
      let high = 50_000;
      let best = Number.NEGATIVE_INFINITY;
      for (let n = 0; n < mixed.length * 3; n++) {
        const day = mixed[Math.floor(random() * mixed.length)]!;
        if (balance + day.worstOffset <= lossLimitFloor(COMBINE, high)!) {
          failed++;
          break;
        }
        balance += day.netPnl;
        best = Math.max(best, day.netPnl);
        if (balance >= 53_000 && best / (balance - 50_000) < 0.5) {
          passed++;
          break;
        }
        high = Math.max(high, balance);
      }
    }
    expect(monteCarlo(mixed, COMBINE, { seed: 11, runs: 3000 })).toMatchObject({ passed, failed });
  });

  it('gives probability 1 when every day wins, and 0 when every day loses', () => {
    const up = monteCarlo([{ netPnl: 1000, worstOffset: 0 }], COMBINE, { runs: 100 });
    expect(up).toMatchObject({ passed: 100, passProbability: 1, failShare: 0, medianDaysToPass: 3 });
    expect(up.passInterval95!.high).toBe(1);
    expect(up.passInterval95!.low).toBeCloseTo(0.963, 3);
    // Three losing days in the sample: a run may walk 9 days, and fails on the fourth.
    const loser = { netPnl: -500, worstOffset: -600 };
    const down = monteCarlo([loser, loser, loser], COMBINE, { runs: 100 });
    expect(down).toMatchObject({ passed: 0, failed: 100, passProbability: 0, medianDaysToPass: null });
    expect(down.passInterval95).toEqual({ low: 0, high: expect.closeTo(0.037, 3) });
  });

  it('a day whose worst point reaches the floor fails the run even when the day closes up', () => {
    const r = monteCarlo([{ netPnl: 1000, worstOffset: -2000 }], COMBINE, { runs: 10 });
    expect(r.failed).toBe(10);
  });

  it('a run that neither passes nor fails stops after 3 × the sample days', () => {
    const flat = monteCarlo(
      [
        { netPnl: 0, worstOffset: 0 },
        { netPnl: 10, worstOffset: -5 },
      ],
      COMBINE,
      { runs: 50 },
    );
    expect(flat).toMatchObject({ maxDays: 6, neither: 50, neitherShare: 1 });
  });

  it('refuses runs and seeds that are not whole numbers, naming the value', () => {
    expect(() => monteCarlo(mixed, COMBINE, { runs: 0 })).toThrow(/runs must be a whole number ≥ 1, got 0/);
    expect(() => monteCarlo(mixed, COMBINE, { seed: -1 })).toThrow(/seed must be a whole number/);
  });
});

describe('Wilson score interval', () => {
  it('brackets the estimate, narrows with more trials, and stays inside [0, 1]', () => {
    const half = wilsonInterval(50, 100);
    expect(half.low).toBeCloseTo(0.4038, 4);
    expect(half.high).toBeCloseTo(0.5962, 4);
    const more = wilsonInterval(5000, 10_000);
    expect(more.high - more.low).toBeLessThan(half.high - half.low);
    expect(wilsonInterval(0, 10)).toEqual({ low: 0, high: expect.closeTo(3.8415 / 13.8415, 4) });
    expect(wilsonInterval(10, 10).high).toBe(1);
  });
});

describe('the verdict in a backtest', () => {
  const bars = parseBarsCsv(new TextEncoder().encode(rangeBoundCsv(Date.UTC(2025, 2, 3, 14, 30), 3000)), {
    tickSize: 0.25,
  });
  const alerts = demoSignals(bars, { symbol: 'ES', period: 60, barMs: 60_000 });
  const run = (seed: number) =>
    runBacktest({ symbol: 'ES', bars, alerts, barMs: 60_000, monteCarlo: { runs: 1000, seed } });

  it('is in the JSON report, byte-identical for a seed, and the seed is recorded', () => {
    const a = jsonReport(run(5), { dataFile: 'synthetic.csv' });
    expect(jsonReport(run(5), { dataFile: 'synthetic.csv' })).toBe(a);
    const verdict = JSON.parse(a).verdict;
    expect(verdict.rules).toBe('combine-50k');
    expect(['pass', 'fail', 'not yet']).toContain(verdict.verdict);
    expect(verdict.markToMarket).toBe('bar extremes');
    expect(verdict.monteCarlo).toMatchObject({ runs: 1000, seed: 5 });
    expect(JSON.parse(jsonReport(run(6), { dataFile: 'synthetic.csv' })).verdict.monteCarlo.seed).toBe(6);
  });
});

describe('backtest CLI prints the verdict', () => {
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/backtest.ts', ...args], {
      cwd: repo,
      encoding: 'utf8',
    });

  it('refuses bad --mc-runs and --mc-seed values, naming the option (exit 1)', () => {
    const runs = cli(['--data', 'missing.csv', '--symbol', 'ES', '--mc-runs', '0']);
    expect(runs.status).toBe(1);
    expect(runs.stderr).toContain('--mc-runs "0" must be a whole number from 1 to 10000000');
    const seed = cli(['--data', 'missing.csv', '--symbol', 'ES', '--mc-seed', 'abc']);
    expect(seed.status).toBe(1);
    expect(seed.stderr).toContain('--mc-seed "abc" must be a whole number from 0 to 4294967295');
  });

  it.skipIf(!haveData)(
    'prints the Combine verdict for the shared ES file (needs ../shared/data/market)',
    () => {
      const r = cli(['--data', ES, '--no-color', '--mc-runs', '2000', '--mc-seed', '3']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Combine verdict \(combine-50k\): (PASS|FAIL|NOT YET)/);
      expect(r.stdout).toContain('Worst distance to the loss limit:');
      expect(r.stdout).toContain('Monte Carlo: 2,000 runs, seed 3');
    },
    60_000,
  );
});
