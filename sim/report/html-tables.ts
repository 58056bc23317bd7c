/**
 * The tables of the HTML report: the same content as the terminal report (report/content.ts), with
 * money, prices, percents and R from src/domain/format.ts. Each table has an id the browser test finds.
 */
import { money, percent, rMultiple, symbolPrice } from '../../src/domain/format.ts';
import { EXIT_REASONS, formatProfitFactor } from '../../src/domain/metrics.ts';
import type { BacktestResult } from '../backtest.ts';
import {
  EXIT_LABELS,
  exitsByRung,
  filteredAlerts,
  type ReportTrade,
  RUNG_LABELS,
  rSummary,
  settingRows,
} from './content.ts';
import { escapeHtml } from './escape.ts';
import { accountRuleLines } from './terminal.ts';

export { escapeHtml } from './escape.ts';

/** Epoch ms as "YYYY-MM-DD HH:MM" UTC. */
export function utcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

const pnlClass = (v: number) => (v > 0 ? 'win' : v < 0 ? 'loss' : '');
const cell = (text: string, cls = '') => `<td${cls === '' ? '' : ` class="${cls}"`}>${escapeHtml(text)}</td>`;
const textCell = (text: string) => `<td class="text">${escapeHtml(text)}</td>`;

function table(id: string, headers: readonly string[], rows: readonly string[], empty: string): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body =
    rows.length > 0
      ? rows.join('\n')
      : `<tr><td class="text" colspan="${headers.length}">${escapeHtml(empty)}</td></tr>`;
  return `<table id="${id}"><thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

/** The headline figures, as label and value. */
export function summaryCells(result: BacktestResult, trades: readonly ReportTrade[]): [string, string][] {
  const m = result.metrics;
  const r = rSummary(trades);
  return [
    ['Trades', `${m.trades} (cancelled entries ${m.cancelledEntries})`],
    [
      'Targets reached TP1 / TP2 / TP3',
      `${m.targetsReached.tp1} / ${m.targetsReached.tp2} / ${m.targetsReached.tp3}`,
    ],
    ['Win rate', m.winRate === null ? 'n/a' : percent(m.winRate)],
    ['Net P&L', money(m.totalNetPnl)],
    ['Profit factor', formatProfitFactor(m)],
    ['Expectancy', m.expectancy === null ? 'n/a' : money(m.expectancy)],
    [
      'R per trade (average / best / worst)',
      r.average === null ? 'n/a' : `${rMultiple(r.average)} / ${rMultiple(r.best!)} / ${rMultiple(r.worst!)}`,
    ],
    ['Max drawdown', `${money(-m.maxDrawdown)} (${m.maxDrawdownPercent.toFixed(2)}% of peak)`],
    ['Sharpe / Sortino', `${m.sharpe?.toFixed(2) ?? 'n/a'} / ${m.sortino?.toFixed(2) ?? 'n/a'}`],
    ['Commissions + fees', money(m.totalCommissions)],
    ['Exposure', percent(m.exposure)],
    ['Balance', `${money(m.startingBalance)} → ${money(m.endingBalance)}`],
  ];
}

export function settingsSection(result: BacktestResult): string {
  const rows = settingRows(result).map(([key, value]) => `<tr>${textCell(key)}${textCell(value)}</tr>`);
  return `<pre class="risk">${escapeHtml(accountRuleLines(result).join('\n'))}</pre>
<details><summary>Every setting of the run (path policy ${escapeHtml(result.policy)})</summary>
${table('settings', ['setting', 'value'], rows, 'no settings')}
</details>
<h3>Fill rules</h3>
${table(
  'fill-rules',
  ['rule', 'how this run filled'],
  result.fillRules.map((r) => `<tr>${textCell(r.rule)}${textCell(r.value)}</tr>`),
  'no rules',
)}`;
}

export function guardEventsTable(result: BacktestResult): string {
  const rows = result.risk.guardEvents.map(
    (e) =>
      `<tr>${textCell(utcMinute(e.ts))}${textCell(e.kind)}${textCell(e.guard)}${textCell(e.reason)}</tr>`,
  );
  return table(
    'guard-events',
    ['time (UTC)', 'event', 'guard', 'why'],
    rows,
    'none: no guard stopped trading',
  );
}

export function exitTables(result: BacktestResult): string {
  const m = result.metrics;
  const byReason = EXIT_REASONS.filter((reason) => m.exitsByReason[reason].count > 0).map((reason) => {
    const e = m.exitsByReason[reason];
    return `<tr>${textCell(EXIT_LABELS[reason])}${cell(String(e.count))}${cell(money(e.netPnl), pnlClass(e.netPnl))}</tr>`;
  });
  const byRung = exitsByRung(result.trades).map(
    (rung) =>
      `<tr>${textCell(RUNG_LABELS[rung.rung])}${cell(String(rung.count))}${cell(money(rung.netPnl), pnlClass(rung.netPnl))}</tr>`,
  );
  return `<div class="side-by-side">
<div><h3>By reason</h3>${table('exits-by-reason', ['exit reason', 'trades', 'net P&L'], byReason, 'no trades')}</div>
<div><h3>By rung (highest target reached)</h3>${table('exits-by-rung', ['rung', 'trades', 'net P&L'], byRung, 'no trades')}</div>
</div>`;
}

export function tradesTable(trades: readonly ReportTrade[]): string {
  const rows = trades.map((t) => {
    const p = (v: number) => symbolPrice(t.symbol, v);
    return `<tr>${textCell(utcMinute(t.entryTime))}${textCell(utcMinute(t.exitTime))}${textCell(t.side)}${cell(String(t.quantity))}${cell(p(t.entryPrice))}${cell(p(t.initialStop))}${cell(p(t.exitPrice))}${textCell(EXIT_LABELS[t.exitReason])}${cell(t.highestTarget === 0 ? '—' : `TP${t.highestTarget}`)}${cell(money(t.initialRisk))}${cell(money(t.netPnl), pnlClass(t.netPnl))}${cell(t.r === null ? 'n/a' : rMultiple(t.r), pnlClass(t.r ?? 0))}</tr>`;
  });
  return table(
    'trades',
    [
      'entry (UTC)',
      'exit (UTC)',
      'side',
      'qty',
      'entry',
      'initial stop',
      'exit',
      'exit reason',
      'rung',
      'risk',
      'net P&L',
      'R',
    ],
    rows,
    'no trades',
  );
}

export function filteredAlertTables(result: BacktestResult): string {
  const filtered = filteredAlerts(result.decisions);
  const groups = filtered.byReason.map((g) => `<tr>${cell(String(g.count))}${textCell(g.reason)}</tr>`);
  const alerts = filtered.alerts.map(
    (d) =>
      `<tr>${textCell(utcMinute(d.ts))}${textCell(d.action)}${textCell(d.outcome)}${textCell(d.reason)}</tr>`,
  );
  return `<p class="note">${filtered.total} of ${result.decisions.length} alerts did not trade.</p>
${table('filtered-reasons', ['alerts', 'rule'], groups, 'none: every alert went on to trade')}
<details><summary>Every filtered alert</summary>
${table('filtered-alerts', ['time (UTC)', 'action', 'outcome', 'reason'], alerts, 'none')}
</details>`;
}
