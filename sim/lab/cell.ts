/**
 * One lab cell: `runBacktest` (the same live engine backtest as `npm run backtest`) with the grid's
 * settings for this cell, over the whole data or one walk-forward window, boiled down to the figures
 * the lab ranks by. Pure given its inputs: the same data and task give the same result in any
 * process, thread or machine.
 */
import type { TradeLike } from '../../src/domain/metrics.ts';
import type { BotSettings } from '../../src/domain/settings.ts';
import type { BacktestAlert } from '../alerts.ts';
import { runBacktest } from '../backtest.ts';
import { type BarSeries, sliceBars } from '../csv.ts';
import type { ExchangeConfig } from '../exchange.ts';
import type { PathPolicy } from '../path.ts';
import type { HistoryCache } from '../replay.ts';
import type { MonteCarloOptions } from '../report/verdict.ts';
import type { SettingValue } from './grid.ts';
import type { CellSummary } from './objective.ts';

/** Everything the cells of one sweep share; loaded once per process (or shared between threads). */
export interface LabData {
  readonly symbol: string;
  readonly bars: BarSeries;
  readonly alerts: readonly BacktestAlert[];
  readonly barMs: number;
  /** Trade from here (--from); earlier bars are profile history only. Null: from the first bar. */
  readonly startTs: number | null;
  readonly policy: PathPolicy;
  /** Settings every cell shares (the grid's "settings", then --no-guards). */
  readonly settings: Partial<BotSettings>;
  readonly exchange: ExchangeConfig;
  readonly monteCarlo: MonteCarloOptions;
  /**
   * The profile history of `bars`, built once and shared by the cells of this process or thread
   * (each thread makes its own). Never changes a result: tests/sim/lab.test.ts runs with and without.
   */
  readonly history?: HistoryCache;
}

export interface LabWindow {
  /** Trade from here (epoch ms; earlier bars are profile history only)… */
  readonly from: number;
  /** …to here, exclusive. */
  readonly to: number;
}

export interface CellTask {
  /** Unique in the sweep: "c17" for the whole data, "c17.w2.in" / "c17.w2.out" in a walk-forward. */
  readonly key: string;
  readonly cell: number;
  readonly values: Readonly<Record<string, SettingValue>>;
  readonly window: LabWindow | null;
  /** Keep the trades (for the stitched out-of-sample equity); otherwise only the figures. */
  readonly keepTrades: boolean;
}

export interface CellResult {
  readonly key: string;
  readonly cell: number;
  readonly window: LabWindow | null;
  readonly summary: CellSummary;
  /** Equity at the end of each trading day: [YYYY-MM-DD, dollars]. */
  readonly equity: readonly (readonly [string, number])[];
  readonly trades?: readonly TradeLike[];
}

/** The settings of a cell: the shared ones, then the cell's own values. */
export function cellSettings(
  data: Pick<LabData, 'settings'>,
  task: Pick<CellTask, 'values'>,
): Partial<BotSettings> {
  return { ...data.settings, ...(task.values as Partial<BotSettings>) };
}

const round = (v: number | null, places: number) =>
  v === null ? null : Math.round(v * 10 ** places) / 10 ** places;

export function runCell(data: LabData, task: CellTask): CellResult {
  const settings = cellSettings(data, task);
  const window = task.window;
  const bars = window ? sliceBars(data.bars, Number.NEGATIVE_INFINITY, window.to) : data.bars;
  const alerts = window ? data.alerts.filter((a) => a.ts >= window.from && a.ts < window.to) : data.alerts;
  const startTs = window?.from ?? data.startTs;
  const result = runBacktest({
    symbol: data.symbol,
    bars,
    alerts,
    barMs: data.barMs,
    policy: data.policy,
    settings,
    exchange: data.exchange,
    monteCarlo: data.monteCarlo,
    ...(data.history ? { history: data.history } : {}),
    ...(startTs === null ? {} : { startTs }),
  });
  const m = result.metrics;
  const summary: CellSummary = {
    trades: m.trades,
    netPnl: round(m.totalNetPnl, 2)!,
    profitFactor: round(m.profitFactor, 4),
    sharpe: round(m.sharpe, 4),
    maxDrawdown: round(m.maxDrawdown, 2)!,
    expectancyR: round(m.expectancyR, 4),
    passProbability: round(result.verdict.monteCarlo.passProbability, 4),
    winRate: round(m.winRate, 4),
    verdict: result.verdict.verdict,
  };
  const equity = m.dailyReturns.map(
    (d) => [d.day, Math.round((d.startEquity + d.netPnl) * 100) / 100] as const,
  );
  return {
    key: task.key,
    cell: task.cell,
    window,
    summary,
    equity,
    ...(task.keepTrades ? { trades: result.trades.map(slimTrade) } : {}),
  };
}

/** The fields the metrics need, so results stay small over a thread boundary or in a queue table. */
function slimTrade(t: TradeLike): TradeLike {
  return {
    positionId: t.positionId,
    symbol: t.symbol,
    side: t.side,
    quantity: t.quantity,
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    entryTime: t.entryTime,
    exitTime: t.exitTime,
    netPnl: t.netPnl,
    commissions: t.commissions,
    exitReason: t.exitReason,
    highestTarget: t.highestTarget,
    initialStop: t.initialStop,
    pointValue: t.pointValue,
  };
}
