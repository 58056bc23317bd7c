/**
 * Backtest driver: the shared engine runtime on a virtual clock against the simulated exchange, fed
 * by the replay. `runBacktest` takes loaded data and alerts and returns trades, decisions and metrics;
 * scripts/backtest.ts adds files, options and reports around it.
 */
import { type AccountRules, resolveAccountRules } from '../src/domain/account-rules.ts';
import { CalendarCoverageError, cmeSessionDay, productGroup } from '../src/domain/calendar.ts';
import { startingBalanceOf } from '../src/domain/guards.ts';
import { computeMetrics, type Metrics } from '../src/domain/metrics.ts';
import { tradingDayId } from '../src/domain/session-time.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../src/domain/settings.ts';
import type { ProtectiveStopMode } from '../src/runtime/engine-runtime.ts';
import type { GuardEvent } from '../src/runtime/signal-processor.ts';
import type { BacktestAlert } from './alerts.ts';
import { VirtualClock } from './clock.ts';
import type { BarSeries, TickSeries } from './csv.ts';
import { type AlertDecision, type BacktestTrade, EngineTarget, type PlannedLevels } from './engine-target.ts';
import { type ExchangeConfig, type FillRecord, SimulatedExchange } from './exchange.ts';
import type { EngineDecision, JournalEntry } from './journal.ts';
import type { PathPolicy } from './path.ts';
import { type HistoryCache, type ReplayStats, replay } from './replay.ts';
import { type FillRule, fillRules } from './report/fill-rules.ts';
import { type CombineVerdict, combineVerdict, type MonteCarloOptions } from './report/verdict.ts';

export type { BarHistory, ReplayTarget } from './replay.ts';

export interface BacktestConfig {
  readonly symbol: string;
  readonly bars: BarSeries;
  readonly ticks?: TickSeries;
  readonly alerts: readonly BacktestAlert[];
  readonly barMs: number;
  /** Trade from this time; bars before it are history only (profile lookback). Default: the first bar. */
  readonly startTs?: number;
  readonly policy?: PathPolicy;
  readonly settings?: Partial<BotSettings>;
  readonly exchange?: ExchangeConfig;
  readonly protectiveStops?: ProtectiveStopMode;
  readonly onProgress?: (done: number, total: number) => void;
  /** Deliver every path point even in bars where nothing can happen (default false; for parity tests). */
  readonly deliverEveryPoint?: boolean;
  /** Record every runtime input here (journal.ts). */
  readonly journal?: JournalEntry[];
  /** Record every engine decision here (journal.ts). */
  readonly decisionLog?: EngineDecision[];
  /** Runs and seed of the Combine verdict's Monte Carlo (report/verdict.ts; default 10,000 runs, seed 1). */
  readonly monteCarlo?: MonteCarloOptions;
  /** Profile history shared across runs over the same bars (replay.ts HistoryCache; the lab). */
  readonly history?: HistoryCache;
}

export interface BacktestResult {
  readonly symbol: string;
  readonly policy: PathPolicy;
  /** The fill rules the run traded under, named for the report (docs/backtest-fills.md). */
  readonly fillRules: readonly FillRule[];
  readonly settings: BotSettings;
  readonly stats: ReplayStats;
  readonly trades: readonly BacktestTrade[];
  readonly decisions: readonly AlertDecision[];
  readonly levels: readonly PlannedLevels[];
  readonly fills: readonly FillRecord[];
  readonly cancelledEntries: number;
  readonly metrics: Metrics;
  /**
   * Net contracts the simulated exchange still holds after the run, and its orders still working.
   * Non-zero means an order outlived its position (e.g. a protective stop left working after a close
   * filled later and opened a position the engine does not track): the report warns about it.
   */
  readonly strayPosition: number;
  readonly strayOrders: readonly string[];
  /** The account rules and risk settings the run traded under, and every guard event. */
  readonly risk: BacktestRisk;
  /**
   * Pass / fail / not yet under the account rules, the worst distance to the loss limit and the
   * Monte Carlo (report/verdict.ts); computed on first read.
   */
  readonly verdict: CombineVerdict;
}

export interface BacktestRisk {
  readonly rules: AccountRules;
  readonly settings: Pick<
    BotSettings,
    | 'riskPerTrade'
    | 'maxContracts'
    | 'riskBuffer'
    | 'stopSlippageTicks'
    | 'dailyLossLimit'
    | 'dailyLossAction'
    | 'noNewEntriesAfter'
    | 'flatByTime'
    | 'timeZone'
    | 'crossedEntry'
  >;
  readonly guardEvents: readonly GuardEvent[];
  /** The best trading day's share of the total net profit (Topstep's consistency target); null without a profit. */
  readonly bestDayShare: number | null;
}

/**
 * `--no-guards`: no personal daily loss limit and no trailing loss limit. The account's rules become
 * 'custom' (startingBalance and maxPosition from the settings, no Maximum Loss Limit, no profit
 * target), since a named Topstep profile carries its own loss limit that would still latch; the
 * Combine verdict of such a run is therefore never a pass.
 */
export const NO_GUARDS: Pick<BotSettings, 'accountRules' | 'dailyLossLimit' | 'trailingDrawdown'> = {
  accountRules: 'custom',
  dailyLossLimit: 0,
  trailingDrawdown: 0,
};

/** The CME calendar must cover every trading day the alerts fall on, or the run stops here with why. */
export function checkCalendarCoverage(symbol: string, alerts: readonly { readonly ts: number }[]): void {
  const group = productGroup(symbol);
  if (!group) return;
  const days = new Set(alerts.map((a) => tradingDayId(a.ts)));
  for (const day of days) {
    try {
      cmeSessionDay(day, group);
    } catch (error) {
      if (error instanceof CalendarCoverageError)
        throw new CalendarCoverageError(`backtest of ${symbol}: ${error.message}`);
      throw error;
    }
  }
}

export function runBacktest(config: BacktestConfig): BacktestResult {
  const settings: BotSettings = { ...DEFAULT_SETTINGS, ...config.settings };
  const policy = config.policy ?? 'conservative';
  if (settings.cmeCalendar) checkCalendarCoverage(config.symbol, config.alerts);
  const firstTs = config.startTs ?? (config.bars.length > 0 ? config.bars.ts[0]! : 0);
  const clock = new VirtualClock(firstTs);
  const exchange = new SimulatedExchange(clock, config.exchange);
  const target = new EngineTarget({
    clock,
    exchange,
    settings,
    bars: config.bars,
    barMs: config.barMs,
    startTs: firstTs,
    protectiveStops: config.protectiveStops,
    journal: config.journal,
    decisionLog: config.decisionLog,
    ...(config.history ? { history: config.history } : {}),
  });
  const stats = replay({
    symbol: config.symbol,
    bars: config.bars,
    ticks: config.ticks,
    alerts: config.alerts,
    policy,
    barMs: config.barMs,
    lookbackMs: settings.profileLookbackMinutes * 60_000,
    clock,
    exchange,
    target,
    onProgress: config.onProgress,
    ...(config.startTs === undefined ? {} : { startTs: config.startTs }),
    skipQuietBars: !config.deliverEveryPoint,
  });
  target.runtime.stop();
  const trades = [...target.trades].sort(
    (a, b) => a.exitTime - b.exitTime || a.positionId.localeCompare(b.positionId),
  );
  const metrics = computeMetrics(trades, {
    startingBalance: startingBalanceOf(settings),
    from: stats.firstTs,
    to: Math.max(stats.endTs, stats.firstTs + 1),
    cancelledEntries: target.cancelledEntries,
  });
  let verdict: CombineVerdict | undefined;
  return {
    symbol: config.symbol,
    policy,
    fillRules: fillRules(policy, config.exchange),
    settings,
    stats,
    trades,
    decisions: target.decisions,
    levels: target.levels,
    fills: exchange.fills,
    cancelledEntries: target.cancelledEntries,
    metrics,
    strayPosition: exchange.position(config.symbol),
    strayOrders: exchange.openOrders().map((o) => o.tag),
    risk: {
      rules: resolveAccountRules(settings),
      settings: {
        riskPerTrade: settings.riskPerTrade,
        maxContracts: settings.maxContracts,
        riskBuffer: settings.riskBuffer,
        stopSlippageTicks: settings.stopSlippageTicks,
        dailyLossLimit: settings.dailyLossLimit,
        dailyLossAction: settings.dailyLossAction,
        noNewEntriesAfter: settings.noNewEntriesAfter,
        flatByTime: settings.flatByTime,
        timeZone: settings.timeZone,
        crossedEntry: settings.crossedEntry,
      },
      guardEvents: target.guardEvents,
      bestDayShare: bestDayShare(trades),
    },
    // Computed once, on first read: its Monte Carlo costs up to runs × 3 × days steps, which runs
    // that only want trades (the benchmark, property tests) should not pay.
    get verdict() {
      verdict ??= combineVerdict(
        {
          trades,
          rules: resolveAccountRules(settings),
          firstTs: stats.firstTs,
          endTs: stats.endTs,
          barMs: config.barMs,
        },
        config.bars,
        config.monteCarlo,
      );
      return verdict;
    },
  };
}

/** The best trading day's net P&L as a share of the total net profit, null when there is no profit. */
function bestDayShare(
  trades: readonly { readonly exitTime: number; readonly netPnl: number }[],
): number | null {
  const byDay = new Map<string, number>();
  let total = 0;
  for (const t of trades) {
    const day = tradingDayId(t.exitTime);
    byDay.set(day, (byDay.get(day) ?? 0) + t.netPnl);
    total += t.netPnl;
  }
  if (!(total > 0)) return null;
  const best = Math.max(...byDay.values());
  return Math.round((best / total) * 10_000) / 10_000;
}
