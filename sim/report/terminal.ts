/**
 * Terminal report: summary table, exits by reason, an ASCII equity curve. Green for gains, red for
 * losses, no colour when `color` is false (callers honour NO_COLOR and --no-color).
 */
import { EXIT_REASONS, formatProfitFactor, type Metrics } from '../../src/domain/metrics.ts';
import type { ExitReason } from '../../src/domain/types.ts';
import type { BacktestResult } from '../backtest.ts';

export interface TerminalOptions {
  readonly color: boolean;
  /** Also list every trade. */
  readonly verbose?: boolean;
  /** Width of the equity curve in characters (default 60). */
  readonly width?: number;
}

/** True unless NO_COLOR is set (any value) or --no-color was given. */
export function colorWanted(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  return (
    !argv.includes('--no-color') && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb'
  );
}

const EXIT_LABELS: Record<ExitReason, string> = {
  initial_stop: 'initial stop',
  stop_breakeven: 'stop at breakeven (after TP1)',
  stop_tp1: 'stop at TP1 (after TP2)',
  stop_tp2: 'stop at TP2 (after TP3)',
  target_tp3: 'target TP3',
  opposing_alert: 'opposing alert',
  close_alert: 'close alert',
  session_flatten: 'session flatten',
  guard_flatten: 'guard flatten',
  broker_flatten: 'broker flatten',
  manual: 'manual / end of data',
};

export function terminalReport(result: BacktestResult, options: TerminalOptions): string {
  const m = result.metrics;
  const paint = (text: string, value: number) =>
    !options.color || value === 0 ? text : `\u001b[${value > 0 ? 32 : 31}m${text}\u001b[39m`;
  const bold = (text: string) => (options.color ? `\u001b[1m${text}\u001b[22m` : text);
  const money = (v: number) => paint(dollars(v), v);
  const lines: string[] = [];
  lines.push(
    bold(
      `Backtest ${result.symbol}  ${iso(m.from)} → ${iso(m.to)}  (${result.stats.bars.toLocaleString('en-US')} bars, path: ${result.policy})`,
    ),
  );
  lines.push('');
  const rows: [string, string][] = [
    ['Alerts replayed', `${result.stats.alerts}`],
    ['Trades', `${m.trades}  (cancelled entries: ${m.cancelledEntries})`],
    [
      'Targets reached TP1 / TP2 / TP3',
      `${m.targetsReached.tp1} / ${m.targetsReached.tp2} / ${m.targetsReached.tp3}`,
    ],
    ['Wins / losses / scratches', `${m.wins} / ${m.losses} / ${m.scratches}`],
    ['Win rate', m.winRate === null ? 'n/a' : `${(m.winRate * 100).toFixed(1)}%`],
    ['Net P&L', money(m.totalNetPnl)],
    ['Gross profit / loss', `${money(m.grossProfit)} / ${money(-m.grossLoss)}`],
    ['Profit factor', formatProfitFactor(m)],
    [
      'Expectancy',
      `${m.expectancy === null ? 'n/a' : money(m.expectancy)}${m.expectancyR === null ? '' : `  (${m.expectancyR.toFixed(2)} R)`}`,
    ],
    [
      'Average win / loss',
      `${m.averageWin === null ? 'n/a' : money(m.averageWin)} / ${m.averageLoss === null ? 'n/a' : money(m.averageLoss)}`,
    ],
    ['Payoff ratio', m.payoffRatio === null ? 'n/a' : m.payoffRatio.toFixed(2)],
    ['Commissions + fees', dollars(m.totalCommissions)],
    [
      'Max drawdown',
      `${paint(dollars(-m.maxDrawdown), -m.maxDrawdown)}  (${m.maxDrawdownPercent.toFixed(2)}% of peak)`,
    ],
    ['Sharpe / Sortino (daily, √252)', `${ratio(m.sharpe)} / ${ratio(m.sortino)}`],
    ['Time in trade (mean / max)', `${duration(m.timeInTrade.meanMs)} / ${duration(m.timeInTrade.maxMs)}`],
    ['Exposure', `${(m.exposure * 100).toFixed(1)}%`],
    ['Balance', `${dollars(m.startingBalance)} → ${dollars(m.endingBalance)}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) lines.push(`  ${k.padEnd(width)}  ${v}`);
  lines.push('');
  lines.push(...riskLines(result, bold));
  lines.push('');
  lines.push(bold('Exits by reason'));
  for (const reason of EXIT_REASONS) {
    const e = m.exitsByReason[reason];
    if (e.count === 0) continue;
    lines.push(`  ${EXIT_LABELS[reason].padEnd(32)} ${String(e.count).padStart(5)}  ${money(e.netPnl)}`);
  }
  if (m.trades === 0) lines.push('  (no trades)');
  lines.push('');
  lines.push(bold('Equity'));
  lines.push(...equityCurve(m, options.width ?? 60, options.color));
  if (options.verbose) {
    lines.push('');
    lines.push(bold('Trades'));
    for (const t of result.trades) {
      lines.push(
        `  ${iso(t.entryTime)}  ${t.side.padEnd(5)} ${String(t.quantity).padStart(3)} @ ${t.entryPrice} → ${t.exitPrice}  ${EXIT_LABELS[t.exitReason].padEnd(30)} ${money(t.netPnl)}`,
      );
    }
    lines.push('');
    lines.push(bold('Alerts'));
    for (const d of result.decisions)
      lines.push(`  ${iso(d.ts)}  ${d.action.padEnd(5)} ${d.outcome.padEnd(10)} ${d.reason}`);
  }
  if (result.strayPosition !== 0 || result.strayOrders.length > 0) {
    lines.push('');
    const warn = (text: string) => (options.color ? `\u001b[33m${text}\u001b[39m` : text);
    lines.push(
      warn(
        `Warning: the simulated exchange ends holding ${result.strayPosition} contract(s) with ${result.strayOrders.length} order(s) still working` +
          (result.strayOrders.length > 0
            ? ` (${result.strayOrders.slice(0, 5).join(', ')}${result.strayOrders.length > 5 ? ', …' : ''})`
            : '') +
          '. An order outlived its position' +
          ' (for example a protective stop not cancelled after a close); fills of such orders are not in the trades above.',
      ),
    );
  }
  lines.push('');
  lines.push(`Metrics: ${m.definition}`);
  return `${lines.join('\n')}\n`;
}

/** An ASCII equity curve, 10 rows high, resampled to `width` columns over the trades. */
export function equityCurve(m: Metrics, width: number, color: boolean): string[] {
  const points = m.equityCurve.map((p) => p.equity);
  if (points.length < 2) return ['  (not enough trades for a curve)'];
  const height = 10;
  const columns = Math.min(width, points.length);
  const sampled = Array.from(
    { length: columns },
    (_, i) => points[Math.round((i * (points.length - 1)) / Math.max(1, columns - 1))]!,
  );
  const min = Math.min(...sampled);
  const max = Math.max(...sampled);
  const span = max - min || 1;
  const start = points[0]!;
  const rows: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    let line = '';
    for (const v of sampled) {
      const level = Math.round(((v - min) / span) * (height - 1));
      if (level !== r) line += ' ';
      else line += color ? `\u001b[${v >= start ? 32 : 31}m•\u001b[39m` : '•';
    }
    const label = r === height - 1 ? dollars(max) : r === 0 ? dollars(min) : '';
    rows.push(`  ${label.padStart(12)} │${line}`);
  }
  rows.push(`  ${''.padStart(12)} └${'─'.repeat(columns)}`);
  return rows;
}

function dollars(v: number): string {
  const sign = v < 0 ? '-' : '';
  return `${sign}$${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function ratio(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(2);
}

function iso(ts: number): string {
  return new Date(ts).toISOString().slice(0, 16).replace('T', ' ');
}

function duration(ms: number | null): string {
  if (ms === null) return 'n/a';
  const minutes = Math.round(ms / 60_000);
  return minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

/** The account rules, the risk settings and every guard event: when trading stopped, why, when it resumed. */
export function riskLines(result: BacktestResult, bold: (text: string) => string = (t) => t): string[] {
  const { rules, settings, guardEvents, bestDayShare } = result.risk;
  const cap = rules.scaling
    .map((t) => (t.fromProfit === null ? `${t.maxMinis}` : `${t.maxMinis} above ${dollars(t.fromProfit)}`))
    .join(', ');
  const lines = [bold(`Account rules: ${rules.label} (${rules.name})`)];
  lines.push(
    `  Maximum Loss Limit ${dollars(rules.maxLossLimit)} below the end-of-day high, locked at ${dollars(rules.startingBalance)}; position cap ${cap} minis (${rules.microsPerMini} micros = 1)`,
  );
  if (rules.profitTarget !== null || rules.consistencyPercent !== null) {
    const share = bestDayShare === null ? 'n/a' : `${(bestDayShare * 100).toFixed(1)}%`;
    lines.push(
      `  Profit target ${rules.profitTarget === null ? 'none' : dollars(rules.profitTarget)}; best day ${share} of the profit (consistency target ${rules.consistencyPercent === null ? 'none' : `under ${rules.consistencyPercent}%`})`,
    );
  }
  lines.push(
    `  Risk: ${dollars(settings.riskPerTrade)} a trade, at most ${settings.maxContracts} contracts, buffer ${dollars(settings.riskBuffer)}, stop slippage ${settings.stopSlippageTicks} tick(s), crossed entries: ${settings.crossedEntry}`,
  );
  lines.push(
    `  Daily loss limit ${settings.dailyLossLimit > 0 ? `${dollars(settings.dailyLossLimit)} (${settings.dailyLossAction.replaceAll('_', ' ')})` : 'off'}; no new entries after ${settings.noNewEntriesAfter || 'off'}, flatten at ${settings.flatByTime || 'off'} (${settings.timeZone})`,
  );
  lines.push(bold('Guard events'));
  if (guardEvents.length === 0) lines.push('  (none: no guard stopped trading)');
  for (const e of guardEvents) lines.push(`  ${iso(e.ts)}  ${e.kind.padEnd(9)} ${e.reason}`);
  return lines;
}
