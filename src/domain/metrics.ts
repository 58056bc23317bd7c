/**
 * Performance metrics exactly as ../shared/reference/metrics.md defines them. One module for the
 * backtest reports and the live dashboard, so the same trades always give the same numbers.
 * Money fields are rounded to cents here (the edge); ratios keep full precision.
 */
import { roundCents } from './pnl.ts';
import { tradingDayId } from './session-time.ts';
import type { ExitReason, Side } from './types.ts';
import { EXIT_REASONS } from './vocabulary.ts';

export interface TradeLike {
  readonly positionId: string;
  readonly symbol: string;
  readonly side: Side;
  /** Contracts filled; 0 means the entry never filled (counted as a cancelled entry). */
  readonly quantity: number;
  /** Volume-weighted entry price. */
  readonly entryPrice: number;
  /** Volume-weighted exit price. */
  readonly exitPrice: number;
  /** First entry fill, epoch ms. */
  readonly entryTime: number;
  /** Last exit fill, epoch ms. */
  readonly exitTime: number;
  /** Dollars after commissions and fees. */
  readonly netPnl: number;
  readonly commissions: number;
  readonly exitReason: ExitReason;
  /** Highest target reached: 0 (none) … 3 (TP3). */
  readonly highestTarget: number;
  readonly initialStop: number;
  /** Dollars per point per contract (tickValue ÷ tickSize). */
  readonly pointValue: number;
}

export interface MetricsOptions {
  readonly startingBalance: number;
  /** Tested span [from, to), epoch ms. */
  readonly from: number;
  readonly to: number;
  /** Entries that never filled, when the caller tracks them apart from trades. */
  readonly cancelledEntries?: number;
}

export interface DailyReturn {
  /** Globex trading date (the date the 17:00–17:00 America/Chicago session ends), YYYY-MM-DD. */
  readonly day: string;
  readonly netPnl: number;
  readonly startEquity: number;
  /** netPnl ÷ startEquity; null when the day starts with no positive equity. */
  readonly return: number | null;
}

export interface ExitReasonSummary {
  readonly count: number;
  readonly netPnl: number;
}

export interface EquityPoint {
  readonly ts: number;
  readonly equity: number;
}

export interface Metrics {
  readonly definition: string;
  readonly startingBalance: number;
  readonly endingBalance: number;
  readonly from: number;
  readonly to: number;
  readonly trades: number;
  readonly cancelledEntries: number;
  readonly wins: number;
  readonly losses: number;
  readonly scratches: number;
  /** wins ÷ (wins + losses), 0–1; null with no wins and no losses. */
  readonly winRate: number | null;
  readonly grossProfit: number;
  readonly grossLoss: number;
  /** null when there are no losses (shown as ∞ in text when there are wins). */
  readonly profitFactor: number | null;
  readonly totalNetPnl: number;
  readonly averageNetPnl: number | null;
  /** Mean net P&L per trade, dollars (equals averageNetPnl). */
  readonly expectancy: number | null;
  /** Mean R over trades with a known initial risk. */
  readonly expectancyR: number | null;
  readonly averageWin: number | null;
  readonly averageLoss: number | null;
  readonly payoffRatio: number | null;
  readonly totalCommissions: number;
  readonly maxDrawdown: number;
  /** The same drawdown as a percent (0–100) of the peak it fell from. */
  readonly maxDrawdownPercent: number;
  readonly dailyReturns: readonly DailyReturn[];
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly exitsByReason: Readonly<Record<ExitReason, ExitReasonSummary>>;
  /** Trades that reached at least TP1 / TP2 / TP3. */
  readonly targetsReached: { readonly tp1: number; readonly tp2: number; readonly tp3: number };
  readonly timeInTrade: { readonly meanMs: number | null; readonly maxMs: number | null };
  /** Share (0–1) of [from, to) with at least one open position. */
  readonly exposure: number;
  readonly equityCurve: readonly EquityPoint[];
}

export const METRICS_DEFINITION =
  'metrics.md: Sharpe = mean daily return ÷ sample sd × √252, Sortino = mean ÷ downside deviation over all days × √252, ' +
  'risk-free 0, daily = Globex day 17:00–17:00 America/Chicago (weekdays, no-trade days count as 0)';

/** Exit reasons in report order. */
export { EXIT_REASONS };

const TRADING_DAYS_PER_YEAR = 252;
const DAY_MS = 86_400_000;

export class MetricsInputError extends Error {
  override readonly name = 'MetricsInputError';
}

export function computeMetrics(allTrades: readonly TradeLike[], options: MetricsOptions): Metrics {
  checkOptions(options);
  const { startingBalance, from, to } = options;
  let cancelledEntries = options.cancelledEntries ?? 0;
  const trades: TradeLike[] = [];
  for (let i = 0; i < allTrades.length; i++) {
    const trade = allTrades[i]!;
    checkTrade(trade, i);
    if (trade.quantity === 0) cancelledEntries++;
    else trades.push(trade);
  }
  trades.sort(byExit);

  let wins = 0;
  let losses = 0;
  let scratches = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let totalNet = 0;
  let totalCommissions = 0;
  let rSum = 0;
  let rCount = 0;
  let durationSum = 0;
  let durationMax = 0;
  const targets = { tp1: 0, tp2: 0, tp3: 0 };
  const reasonCounts = new Map<ExitReason, { count: number; net: number }>();
  for (const reason of EXIT_REASONS) reasonCounts.set(reason, { count: 0, net: 0 });

  for (const trade of trades) {
    const net = trade.netPnl;
    const cents = roundCents(net);
    if (cents > 0) {
      wins++;
      grossProfit += net;
    } else if (cents < 0) {
      losses++;
      grossLoss -= net;
    } else scratches++;
    totalNet += net;
    totalCommissions += trade.commissions;
    const r = rMultipleOf(trade);
    if (r !== null) {
      rSum += r;
      rCount++;
    }
    const duration = trade.exitTime - trade.entryTime;
    durationSum += duration;
    if (duration > durationMax) durationMax = duration;
    if (trade.highestTarget >= 1) targets.tp1++;
    if (trade.highestTarget >= 2) targets.tp2++;
    if (trade.highestTarget >= 3) targets.tp3++;
    const summary = reasonCounts.get(trade.exitReason)!;
    summary.count++;
    summary.net += net;
  }

  const count = trades.length;
  const averageWin = wins > 0 ? grossProfit / wins : null;
  const averageLoss = losses > 0 ? -grossLoss / losses : null;
  const drawdown = maxDrawdown(trades, startingBalance);
  const dailyReturns = globexDailyReturns(trades, options);
  const returns = dailyReturns.flatMap((d) => (d.return === null ? [] : [d.return]));

  const exitsByReason = {} as Record<ExitReason, ExitReasonSummary>;
  for (const reason of EXIT_REASONS) {
    const summary = reasonCounts.get(reason)!;
    exitsByReason[reason] = { count: summary.count, netPnl: roundCents(summary.net) };
  }

  return {
    definition: METRICS_DEFINITION,
    startingBalance: roundCents(startingBalance),
    endingBalance: roundCents(startingBalance + totalNet),
    from,
    to,
    trades: count,
    cancelledEntries,
    wins,
    losses,
    scratches,
    winRate: wins + losses > 0 ? wins / (wins + losses) : null,
    grossProfit: roundCents(grossProfit),
    grossLoss: roundCents(grossLoss),
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : null,
    totalNetPnl: roundCents(totalNet),
    averageNetPnl: count > 0 ? roundCents(totalNet / count) : null,
    expectancy: count > 0 ? roundCents(totalNet / count) : null,
    expectancyR: rCount > 0 ? rSum / rCount : null,
    averageWin: averageWin === null ? null : roundCents(averageWin),
    averageLoss: averageLoss === null ? null : roundCents(averageLoss),
    payoffRatio: averageWin !== null && averageLoss !== null ? averageWin / Math.abs(averageLoss) : null,
    totalCommissions: roundCents(totalCommissions),
    maxDrawdown: roundCents(drawdown.dollars),
    maxDrawdownPercent: drawdown.percent,
    dailyReturns,
    sharpe: sharpeRatio(returns),
    sortino: sortinoRatio(returns),
    exitsByReason,
    targetsReached: targets,
    timeInTrade: { meanMs: count > 0 ? durationSum / count : null, maxMs: count > 0 ? durationMax : null },
    exposure: exposure(trades, from, to),
    equityCurve: equityCurve(trades, startingBalance, from),
  };
}

/** The dollars a trade planned to risk: abs(entry − initial stop) × contracts × pointValue. */
export function initialRiskOf(
  trade: Pick<TradeLike, 'entryPrice' | 'initialStop' | 'quantity' | 'pointValue'>,
): number {
  return Math.abs(trade.entryPrice - trade.initialStop) * trade.quantity * trade.pointValue;
}

/** A trade's R: net P&L ÷ initial risk; null when the trade had no risk to measure against. */
export function rMultipleOf(
  trade: Pick<TradeLike, 'netPnl' | 'entryPrice' | 'initialStop' | 'quantity' | 'pointValue'>,
): number | null {
  const risk = initialRiskOf(trade);
  return risk > 0 ? trade.netPnl / risk : null;
}

/** Profit factor for text reports: "∞" with wins and no losses, "n/a" with neither. */
export function formatProfitFactor(metrics: Pick<Metrics, 'profitFactor' | 'grossProfit'>): string {
  if (metrics.profitFactor !== null) return metrics.profitFactor.toFixed(2);
  return metrics.grossProfit > 0 ? '∞' : 'n/a';
}

/** mean ÷ sample sd × √252; null with fewer than 2 days or zero deviation. */
export function sharpeRatio(returns: readonly number[]): number | null {
  const n = returns.length;
  if (n < 2) return null;
  const avg = mean(returns);
  let squares = 0;
  for (const r of returns) squares += (r - avg) * (r - avg);
  const sd = Math.sqrt(squares / (n - 1));
  if (!(sd > 1e-15)) return null;
  return (avg / sd) * Math.sqrt(TRADING_DAYS_PER_YEAR);
}

/** mean ÷ sqrt(Σ min(r, 0)² ÷ N) × √252 over all N days; null when no day lost money. */
export function sortinoRatio(returns: readonly number[]): number | null {
  const n = returns.length;
  let downside = 0;
  let losingDays = 0;
  for (const r of returns) {
    if (r < 0) {
      downside += r * r;
      losingDays++;
    }
  }
  if (losingDays === 0 || n === 0) return null;
  return (mean(returns) / Math.sqrt(downside / n)) * Math.sqrt(TRADING_DAYS_PER_YEAR);
}

/**
 * The Globex trading day of an instant, as days since 1970-01-01: the guards' trading day
 * (session-time.ts tradingDayId: the Chicago date, the next one from 17:00, weekends on Monday),
 * so the reports and the guards can never disagree about which day a trade belongs to.
 */
export function globexDayNumber(ts: number): number {
  return Date.parse(`${tradingDayId(ts)}T00:00:00Z`) / DAY_MS;
}

/** YYYY-MM-DD of a day number. */
export function dayLabel(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
function weekdayOf(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

function isWeekday(dayNumber: number): boolean {
  const weekday = weekdayOf(dayNumber);
  return weekday >= 1 && weekday <= 5;
}

function globexDailyReturns(trades: readonly TradeLike[], options: MetricsOptions): DailyReturn[] {
  const pnlByDay = new Map<number, number>();
  for (const trade of trades) {
    const day = globexDayNumber(trade.exitTime);
    pnlByDay.set(day, (pnlByDay.get(day) ?? 0) + trade.netPnl);
  }
  const days = new Set<number>(pnlByDay.keys());
  const first = globexDayNumber(options.from);
  const last = globexDayNumber(Math.max(options.from, options.to - 1));
  for (let day = first; day <= last; day++) if (isWeekday(day)) days.add(day);

  let equity = options.startingBalance;
  const result: DailyReturn[] = [];
  for (const day of [...days].sort((a, b) => a - b)) {
    const net = pnlByDay.get(day) ?? 0;
    result.push({
      day: dayLabel(day),
      netPnl: roundCents(net),
      startEquity: roundCents(equity),
      return: equity > 0 ? net / equity : null,
    });
    equity += net;
  }
  return result;
}

function maxDrawdown(
  trades: readonly TradeLike[],
  startingBalance: number,
): { dollars: number; percent: number } {
  let equity = startingBalance;
  let peak = startingBalance;
  let dollars = 0;
  let percent = 0;
  for (const trade of trades) {
    equity += trade.netPnl;
    if (equity > peak) peak = equity;
    const fall = peak - equity;
    if (fall > dollars) {
      dollars = fall;
      percent = peak > 0 ? (fall / peak) * 100 : 0;
    }
  }
  return { dollars, percent };
}

function equityCurve(trades: readonly TradeLike[], startingBalance: number, from: number): EquityPoint[] {
  const points: EquityPoint[] = [{ ts: from, equity: roundCents(startingBalance) }];
  let equity = startingBalance;
  for (const trade of trades) {
    equity += trade.netPnl;
    points.push({ ts: trade.exitTime, equity: roundCents(equity) });
  }
  return points;
}

/** Share of [from, to) covered by the union of [entryTime, exitTime] intervals. */
function exposure(trades: readonly TradeLike[], from: number, to: number): number {
  const span = to - from;
  if (span <= 0) return 0;
  const intervals = trades
    .map((t) => [Math.max(from, t.entryTime), Math.min(to, t.exitTime)] as const)
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let currentStart = Number.NaN;
  let currentEnd = Number.NaN;
  for (const [start, end] of intervals) {
    if (Number.isNaN(currentEnd) || start > currentEnd) {
      if (!Number.isNaN(currentEnd)) covered += currentEnd - currentStart;
      currentStart = start;
      currentEnd = end;
    } else if (end > currentEnd) currentEnd = end;
  }
  if (!Number.isNaN(currentEnd)) covered += currentEnd - currentStart;
  return covered / span;
}

function byExit(a: TradeLike, b: TradeLike): number {
  if (a.exitTime !== b.exitTime) return a.exitTime - b.exitTime;
  if (a.entryTime !== b.entryTime) return a.entryTime - b.entryTime;
  return a.positionId < b.positionId ? -1 : a.positionId > b.positionId ? 1 : 0;
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function checkOptions(options: MetricsOptions): void {
  if (!(options.startingBalance >= 0) || !Number.isFinite(options.startingBalance)) {
    throw new MetricsInputError(
      `startingBalance ${options.startingBalance} must be a dollar amount of at least 0 (an Express Funded Account starts at 0)`,
    );
  }
  if (!Number.isFinite(options.from) || !Number.isFinite(options.to) || options.to < options.from) {
    throw new MetricsInputError(
      `the tested span from ${options.from} to ${options.to} must be finite epoch ms with to ≥ from`,
    );
  }
  const cancelled = options.cancelledEntries ?? 0;
  if (!Number.isInteger(cancelled) || cancelled < 0) {
    throw new MetricsInputError(`cancelledEntries ${cancelled} must be a whole number ≥ 0`);
  }
}

function checkTrade(trade: TradeLike, index: number): void {
  if (!(trade.quantity >= 0) || !Number.isFinite(trade.quantity)) {
    throw new MetricsInputError(
      `trades[${index}] (${trade.positionId}).quantity ${trade.quantity} must be a number ≥ 0`,
    );
  }
  if (trade.quantity === 0) return; // A cancelled entry: no fills, nothing else to check.
  const allFinite =
    Number.isFinite(trade.entryPrice) &&
    Number.isFinite(trade.exitPrice) &&
    Number.isFinite(trade.entryTime) &&
    Number.isFinite(trade.exitTime) &&
    Number.isFinite(trade.netPnl) &&
    Number.isFinite(trade.commissions) &&
    Number.isFinite(trade.initialStop) &&
    Number.isFinite(trade.pointValue) &&
    Number.isFinite(trade.highestTarget);
  if (!allFinite) throwFirstNonFinite(trade, index);
  if (trade.exitTime < trade.entryTime) {
    throw new MetricsInputError(
      `trades[${index}] (${trade.positionId}).exitTime ${trade.exitTime} is before entryTime ${trade.entryTime}`,
    );
  }
  if (!EXIT_REASON_SET.has(trade.exitReason)) {
    throw new MetricsInputError(
      `trades[${index}] (${trade.positionId}).exitReason "${trade.exitReason}" is not one of ${EXIT_REASONS.join(', ')}`,
    );
  }
}

const EXIT_REASON_SET: ReadonlySet<string> = new Set(EXIT_REASONS);

function throwFirstNonFinite(trade: TradeLike, index: number): never {
  const numeric = [
    'quantity',
    'entryPrice',
    'exitPrice',
    'entryTime',
    'exitTime',
    'netPnl',
    'commissions',
    'initialStop',
    'pointValue',
    'highestTarget',
  ] as const;
  for (const field of numeric) {
    if (!Number.isFinite(trade[field])) {
      throw new MetricsInputError(
        `trades[${index}] (${trade.positionId}).${field} is ${trade[field]}; it must be a finite number`,
      );
    }
  }
  throw new MetricsInputError(`trades[${index}] (${trade.positionId}) has a non-finite number`);
}
