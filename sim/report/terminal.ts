/**
 * Terminal report: summary table, settings, guard events, exits by reason and by rung, R per trade,
 * filtered alerts, equity and drawdown over time. Green for gains, red for losses, no colour when
 * `color` is false (callers honour NO_COLOR and --no-color). Numbers read as in src/domain/format.ts.
 */
import { money as dollars, percent, rMultiple, symbolPrice } from '../../src/domain/format.ts';
import { EXIT_REASONS, formatProfitFactor, type Metrics } from '../../src/domain/metrics.ts';
import type { BacktestResult } from '../backtest.ts';
import {
  drawdownCurve,
  EXIT_LABELS,
  exitsByRung,
  filteredAlerts,
  RUNG_LABELS,
  reportTrades,
  rSummary,
  settingRows,
} from './content.ts';
import { verdictLines } from './verdict.ts';

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

/** Filtered alerts listed one by one without --verbose. */
const FIRST_FILTERED = 5;

export function terminalReport(result: BacktestResult, options: TerminalOptions): string {
  const m = result.metrics;
  const paint = (text: string, value: number) =>
    !options.color || value === 0 ? text : `\u001b[${value > 0 ? 32 : 31}m${text}\u001b[39m`;
  const bold = (text: string) => (options.color ? `\u001b[1m${text}\u001b[22m` : text);
  const money = (v: number) => paint(dollars(v), v);
  const trades = reportTrades(result.trades);
  const r = rSummary(trades);
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
    ['Win rate', m.winRate === null ? 'n/a' : percent(m.winRate)],
    ['Net P&L', money(m.totalNetPnl)],
    ['Gross profit / loss', `${money(m.grossProfit)} / ${money(-m.grossLoss)}`],
    ['Profit factor', formatProfitFactor(m)],
    [
      'Expectancy',
      `${m.expectancy === null ? 'n/a' : money(m.expectancy)}${m.expectancyR === null ? '' : `  (${rMultiple(m.expectancyR)})`}`,
    ],
    [
      'R per trade (average / best / worst)',
      r.average === null
        ? 'n/a'
        : `${paint(rMultiple(r.average), r.average)} / ${paint(rMultiple(r.best!), r.best!)} / ${paint(rMultiple(r.worst!), r.worst!)}`,
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
    ['Exposure', percent(m.exposure)],
    ['Balance', `${dollars(m.startingBalance)} → ${dollars(m.endingBalance)}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) lines.push(`  ${k.padEnd(width)}  ${v}`);
  lines.push('');
  lines.push(...riskLines(result, bold));
  lines.push('');
  lines.push(...settingLines(result, bold));
  lines.push('');
  lines.push(...verdictLines(result, bold));
  lines.push('');
  lines.push(bold('Exits by reason'));
  for (const reason of EXIT_REASONS) {
    const e = m.exitsByReason[reason];
    if (e.count === 0) continue;
    lines.push(`  ${EXIT_LABELS[reason].padEnd(32)} ${String(e.count).padStart(5)}  ${money(e.netPnl)}`);
  }
  if (m.trades === 0) lines.push('  (no trades)');
  lines.push('');
  lines.push(bold('Exits by rung (highest target reached)'));
  for (const rung of exitsByRung(result.trades))
    lines.push(
      `  ${RUNG_LABELS[rung.rung].padEnd(32)} ${String(rung.count).padStart(5)}  ${money(rung.netPnl)}`,
    );
  lines.push('');
  const filtered = filteredAlerts(result.decisions);
  lines.push(bold(`Filtered alerts (${filtered.total} of ${result.decisions.length} did not trade)`));
  for (const g of filtered.byReason) lines.push(`  ${String(g.count).padStart(5)}  ${g.reason}`);
  const listed = options.verbose ? filtered.alerts : filtered.alerts.slice(0, FIRST_FILTERED);
  if (listed.length > 0) lines.push(options.verbose ? '  every one:' : `  first ${listed.length}:`);
  for (const d of listed) lines.push(`  ${iso(d.ts)}  ${d.action.padEnd(5)} ${d.reason}`);
  lines.push('');
  lines.push(bold('Equity over time (UTC)'));
  lines.push(...equityCurve(m, options.width ?? 60, options.color));
  lines.push(bold('Drawdown over time (UTC)'));
  lines.push(...drawdownLines(m, options.width ?? 60, options.color));
  if (options.verbose) {
    lines.push('');
    lines.push(bold('Trades'));
    for (const t of trades) {
      lines.push(
        `  ${iso(t.entryTime)}  ${t.side.padEnd(5)} ${String(t.quantity).padStart(3)} @ ${symbolPrice(t.symbol, t.entryPrice)} → ${symbolPrice(t.symbol, t.exitPrice)}  ${EXIT_LABELS[t.exitReason].padEnd(30)} ${paint(dollars(t.netPnl).padStart(12), t.netPnl)}  ${t.r === null ? 'n/a' : rMultiple(t.r)}`,
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

/**
 * Values of a step curve (each point holds until the next) sampled on a time axis: `columns` equal
 * slices of [from, to], each showing the value in force at the slice's end.
 */
function onTimeAxis(
  points: readonly { ts: number; value: number }[],
  from: number,
  to: number,
  columns: number,
) {
  const span = Math.max(1, to - from);
  const out: number[] = [];
  let next = 0;
  let value = points[0]?.value ?? 0;
  for (let c = 0; c < columns; c++) {
    const end = from + ((c + 1) * span) / columns;
    while (next < points.length && points[next]!.ts <= end) value = points[next++]!.value;
    out.push(value);
  }
  return out;
}

/** Rows of an ASCII chart of `sampled`, `height` rows high, labelled at the top and bottom, with a time axis. */
function asciiChart(
  sampled: readonly number[],
  height: number,
  from: number,
  to: number,
  dot: (v: number) => string,
): string[] {
  const min = Math.min(...sampled);
  const max = Math.max(...sampled);
  const span = max - min || 1;
  const rows: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    let line = '';
    for (const v of sampled) line += Math.round(((v - min) / span) * (height - 1)) === r ? dot(v) : ' ';
    const label = r === height - 1 ? dollars(max) : r === 0 ? dollars(min) : '';
    rows.push(`  ${label.padStart(12)} │${line}`);
  }
  rows.push(`  ${''.padStart(12)} └${'─'.repeat(sampled.length)}`);
  const left = iso(from);
  const right = iso(to);
  const gap = Math.max(1, sampled.length + 1 - left.length - right.length);
  rows.push(`  ${''.padStart(12)}  ${left}${' '.repeat(gap)}${right}`);
  return rows;
}

/** An ASCII equity curve, 10 rows high, over the tested time (equity changes when a trade closes). */
export function equityCurve(m: Metrics, width: number, color: boolean): string[] {
  if (m.equityCurve.length < 2) return ['  (not enough trades for a curve)'];
  const points = m.equityCurve.map((p) => ({ ts: p.ts, value: p.equity }));
  const start = points[0]!.value;
  const sampled = onTimeAxis(points, m.from, m.to, Math.max(2, width));
  const dot = (v: number) => (color ? `\u001b[${v >= start ? 32 : 31}m•\u001b[39m` : '•');
  return asciiChart(sampled, 10, m.from, m.to, dot);
}

/** The drawdown below the running equity peak, 5 rows high, on the same time axis as the equity curve. */
export function drawdownLines(m: Metrics, width: number, color: boolean): string[] {
  if (m.equityCurve.length < 2) return ['  (not enough trades for a curve)'];
  const points = drawdownCurve(m).map((p) => ({ ts: p.ts, value: p.drawdown }));
  const sampled = onTimeAxis(points, m.from, m.to, Math.max(2, width));
  const dot = (v: number) => (color && v < 0 ? `\u001b[31m•\u001b[39m` : '•');
  return asciiChart(sampled, 5, m.from, m.to, dot);
}

/** Every setting of the run, `name value` pairs wrapped to about 100 characters. */
export function settingLines(result: BacktestResult, bold: (text: string) => string = (t) => t): string[] {
  const lines = [bold(`Settings (path policy ${result.policy})`)];
  let line = ' ';
  for (const [key, value] of settingRows(result)) {
    const pair = ` ${key} ${value};`;
    if (line.length + pair.length > 100 && line.trim() !== '') {
      lines.push(line);
      line = ' ';
    }
    line += pair;
  }
  if (line.trim() !== '') lines.push(line);
  lines.push(bold('Fill rules (docs/backtest-fills.md)'));
  for (const r of result.fillRules) lines.push(`  ${r.rule.padEnd(18)}${r.value}`);
  return lines;
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
  const { guardEvents } = result.risk;
  const lines = accountRuleLines(result, bold);
  lines.push(bold('Guard events'));
  if (guardEvents.length === 0) lines.push('  (none: no guard stopped trading)');
  for (const e of guardEvents) lines.push(`  ${iso(e.ts)}  ${e.kind.padEnd(9)} ${e.reason}`);
  return lines;
}

/** The account rules and the risk settings of the run. */
export function accountRuleLines(
  result: BacktestResult,
  bold: (text: string) => string = (t) => t,
): string[] {
  const { rules, settings, bestDayShare } = result.risk;
  const cap = rules.scaling
    .map((t) => (t.fromProfit === null ? `${t.maxMinis}` : `${t.maxMinis} above ${dollars(t.fromProfit)}`))
    .join(', ');
  const lines = [bold(`Account rules: ${rules.label} (${rules.name})`)];
  lines.push(
    `  Maximum Loss Limit ${dollars(rules.maxLossLimit)} below the end-of-day high, locked at ${dollars(rules.startingBalance)}; position cap ${cap} minis (${rules.microsPerMini} micros = 1)`,
  );
  if (rules.profitTarget !== null || rules.consistencyPercent !== null) {
    const share = bestDayShare === null ? 'n/a' : percent(bestDayShare);
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
  return lines;
}
