/**
 * The engine against an independent reference walker (tests/sim/reference-walker.ts, written from
 * docs/backtest-fills.md): the same orders (the backtest journal's opens, closes, cancels and
 * flattens), re-simulated bar by bar; the trades must be equal, trade by trade.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BacktestAlert, demoSignals } from '../../sim/alerts.ts';
import { type BacktestResult, runBacktest } from '../../sim/backtest.ts';
import { type BarSeries, loadBarsCsv } from '../../sim/csv.ts';
import type { JournalEntry } from '../../sim/journal.ts';
import { getInstrument } from '../../src/domain/instruments.ts';
import { type ReferenceTrade, referenceWalk } from './reference-walker.ts';

const MIN = 60_000;
const market = (name: string) =>
  fileURLToPath(new URL(`../../../shared/data/market/${name}`, import.meta.url));
const FILES = [
  { symbol: 'ES', path: market('ES_ESZ13_1m_2013-10-06_2013-10-14_utc.csv') },
  { symbol: 'GC', path: market('GC_GCZ13_1m_2013-10-07_2013-10-11_utc.csv') },
];
const haveData = FILES.every((f) => existsSync(f.path));
if (!haveData && process.env.CI === 'true')
  throw new Error(`CI needs the shared market data at ${FILES.map((f) => f.path).join(', ')}`);
if (!haveData)
  console.warn(
    `skipped the reference walker on shared data: ${FILES.map((f) => f.path).join(', ')} not found (clone ../shared beside the repo)`,
  );

const fields = (t: ReferenceTrade | BacktestResult['trades'][number]): ReferenceTrade => ({
  positionId: t.positionId,
  side: t.side,
  quantity: t.quantity,
  entryPrice: t.entryPrice,
  exitPrice: t.exitPrice,
  exitReason: t.exitReason,
  highestTarget: t.highestTarget,
  grossPnl: t.grossPnl,
  commissions: t.commissions,
  netPnl: t.netPnl,
});
const byId = (a: ReferenceTrade, b: ReferenceTrade) => a.positionId.localeCompare(b.positionId);

function compare(
  symbol: string,
  bars: BarSeries,
  alerts: readonly BacktestAlert[],
  extra: Partial<Parameters<typeof runBacktest>[0]> = {},
) {
  const journal: JournalEntry[] = [];
  const result = runBacktest({ symbol, bars, alerts, barMs: MIN, journal, ...extra });
  const reference = referenceWalk(symbol, bars, journal, {
    barMs: MIN,
    slippageTicks: extra.exchange?.slippageTicks ?? 1,
    ackLatencyMs: extra.exchange?.ackLatencyMs ?? 50,
  });
  return { engine: result.trades.map(fields).sort(byId), reference: [...reference].sort(byId) };
}

describe.skipIf(!haveData)('reference walker on the shared ES and GC data', () => {
  it.each(FILES)(
    '$symbol: the engine trades equal the reference walker, trade by trade',
    ({ symbol, path }) => {
      const tickSize = getInstrument(symbol)!.tickSize;
      const bars = loadBarsCsv(path, { tickSize });
      let compared = 0;
      for (const period of [20, 60]) {
        const alerts = demoSignals(bars, { symbol, period, barMs: MIN });
        const { engine, reference } = compare(symbol, bars, alerts);
        expect(engine.length).toBeGreaterThan(0);
        expect(reference).toEqual(engine);
        compared += engine.length;
      }
      console.info(`${symbol}: ${compared} trades equal to the reference`);
    },
  );
});
