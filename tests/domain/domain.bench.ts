/**
 * Domain benchmark (not part of `npm test`): `npx tsx tests/domain/domain.bench.ts`.
 * Exports `suite` in the scripts/bench harness shape so it can be listed there too.
 * Baseline: a plain loop that only reads every bar's low, high and volume over the same window.
 */
import { pathToFileURL } from 'node:url';
import { type BenchFigure, type BenchSuite, formatFigure, measureRate } from '../../scripts/bench/harness.ts';
import { getInstrument } from '../../src/domain/instruments.ts';
import { computeMetrics, type TradeLike } from '../../src/domain/metrics.ts';
import { buildEntryPlan } from '../../src/domain/plan.ts';
import { computeProfile } from '../../src/domain/profile.ts';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import type { Bar } from '../../src/domain/types.ts';
import { ES_BARS_FILE, loadBars } from './market-data.ts';

const LOOKBACK = 240;

function syntheticBars(count: number): Bar[] {
  const bars: Bar[] = [];
  let price = 4000;
  for (let i = 0; i < count; i++) {
    const step = ((i * 7919) % 9) - 4; // deterministic walk
    const open = price;
    price += step * 0.25;
    const low = Math.min(open, price) - 0.5;
    const high = Math.max(open, price) + 0.5;
    bars.push({ ts: i * 60_000, open, high, low, close: price, volume: 100 + ((i * 31) % 900) });
  }
  return bars;
}

export const suite: BenchSuite = {
  name: 'domain: profile, plan, metrics',
  async run() {
    let bars: Bar[];
    let source = 'ES 1m, Oct 2013';
    try {
      bars = loadBars(ES_BARS_FILE);
    } catch {
      bars = syntheticBars(8000);
      source = 'synthetic 1m';
    }
    const windows = Math.floor(bars.length / LOOKBACK);
    let sink = 0;
    const baseline = measureRate(() => {
      for (let w = 0; w < windows; w++) {
        for (let i = w * LOOKBACK; i < (w + 1) * LOOKBACK; i++) {
          const bar = bars[i]!;
          sink += bar.low + bar.high + bar.volume;
        }
      }
      return windows;
    });
    const profileRate = measureRate(() => {
      for (let w = 0; w < windows; w++) {
        const result = computeProfile(bars.slice(w * LOOKBACK, (w + 1) * LOOKBACK), {
          tickSize: 0.25,
          layout: { rows: 24 },
        });
        if (result.kind === 'profile') sink += result.pocRow;
      }
      return windows;
    });
    const es = getInstrument('ES')!;
    const planRate = measureRate(() => {
      for (let w = 0; w < windows; w++) {
        const result = buildEntryPlan({
          bars: bars.slice(w * LOOKBACK, (w + 1) * LOOKBACK),
          side: w % 2 === 0 ? 'long' : 'short',
          instrument: es,
          settings: DEFAULT_SETTINGS,
        });
        if (result.ok) sink += result.plan.quantity;
      }
      return windows;
    });
    const trades: TradeLike[] = Array.from({ length: 1000 }, (_, i) => ({
      positionId: `p${i}`,
      symbol: 'ES',
      side: i % 2 === 0 ? 'long' : 'short',
      quantity: 1 + (i % 3),
      entryPrice: 4000,
      exitPrice: 4000 + ((i % 7) - 3) * 0.25,
      entryTime: i * 3_600_000,
      exitTime: i * 3_600_000 + 1_800_000,
      netPnl: ((i % 7) - 3) * 12.5 - 4,
      commissions: 4,
      exitReason: 'manual',
      highestTarget: i % 4,
      initialStop: 3999,
      pointValue: 50,
    }));
    const metricsRate = measureRate(() => {
      sink += computeMetrics(trades, { startingBalance: 50_000, from: 0, to: 1000 * 3_600_000 }).trades;
      return 1;
    });
    if (sink === Number.MIN_VALUE) console.log(sink);
    const base = { name: `plain read of ${LOOKBACK} bars`, value: baseline };
    const figures: BenchFigure[] = [
      {
        name: `computeProfile, ${LOOKBACK} bars, 24 rows (${source})`,
        value: profileRate,
        unit: 'profiles/s',
        baseline: base,
      },
      {
        name: `buildEntryPlan, ${LOOKBACK} bars (${source})`,
        value: planRate,
        unit: 'plans/s',
        baseline: base,
      },
      { name: 'computeMetrics, 1,000 trades', value: metricsRate, unit: 'reports/s' },
    ];
    return figures;
  },
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(suite.name);
  for (const figure of await suite.run()) console.log(formatFigure(figure));
}
