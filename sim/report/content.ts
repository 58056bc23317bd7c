/**
 * What every backtest report says, computed once: the terminal, JSON and HTML reports render these
 * same values (R per trade, exits by rung, filtered alerts by reason, the settings, the drawdown
 * curve), so the three cannot disagree.
 */
import { EXIT_REASONS, initialRiskOf, type Metrics, rMultipleOf } from '../../src/domain/metrics.ts';
import type { ExitReason } from '../../src/domain/types.ts';
import type { BacktestResult } from '../backtest.ts';
import type { AlertDecision, BacktestTrade } from '../engine-target.ts';

export const EXIT_LABELS: Readonly<Record<ExitReason, string>> = {
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

export interface ReportTrade extends BacktestTrade {
  /** Dollars the trade planned to risk: abs(entry − initial stop) × contracts × pointValue. */
  readonly initialRisk: number;
  /** Net P&L ÷ initial risk; null without a risk to measure against. */
  readonly r: number | null;
}

export function reportTrades(trades: readonly BacktestTrade[]): ReportTrade[] {
  return trades.map((t) => ({
    ...t,
    initialRisk: Math.round(initialRiskOf(t) * 100) / 100,
    r: rMultipleOf(t),
  }));
}

export interface RSummary {
  /** Trades with a known R. */
  readonly trades: number;
  readonly average: number | null;
  readonly best: number | null;
  readonly worst: number | null;
}

export function rSummary(trades: readonly ReportTrade[]): RSummary {
  const rs = trades.flatMap((t) => (t.r === null ? [] : [t.r]));
  if (rs.length === 0) return { trades: 0, average: null, best: null, worst: null };
  return {
    trades: rs.length,
    average: rs.reduce((a, b) => a + b, 0) / rs.length,
    best: Math.max(...rs),
    worst: Math.min(...rs),
  };
}

export const RUNGS = ['none', 'tp1', 'tp2', 'tp3'] as const;
export type Rung = (typeof RUNGS)[number];
export const RUNG_LABELS: Readonly<Record<Rung, string>> = {
  none: 'no target reached',
  tp1: 'TP1 reached (highest)',
  tp2: 'TP2 reached (highest)',
  tp3: 'TP3 reached',
};

export interface RungSummary {
  readonly rung: Rung;
  readonly count: number;
  readonly netPnl: number;
}

/** Trades by the highest target they reached, with their net P&L: how far up the ladder trades climb. */
export function exitsByRung(trades: readonly BacktestTrade[]): RungSummary[] {
  const sums = RUNGS.map((rung) => ({ rung, count: 0, net: 0 }));
  for (const t of trades) {
    if (t.quantity === 0) continue;
    const row = sums[Math.max(0, Math.min(3, t.highestTarget))]!;
    row.count++;
    row.net += t.netPnl;
  }
  return sums.map((s) => ({ rung: s.rung, count: s.count, netPnl: Math.round(s.net * 100) / 100 }));
}

export interface ReasonCount {
  /** Outcome and the rule that stopped the alert, e.g. "FILTERED: cooldown". */
  readonly reason: string;
  readonly count: number;
}

export interface FilteredAlerts {
  /** Alerts that did not go on to trade: every outcome but EXECUTED. */
  readonly total: number;
  /** Grouped by rule, most frequent first (ties by name). */
  readonly byReason: readonly ReasonCount[];
  readonly alerts: readonly AlertDecision[];
}

/** The rule named at the start of a decision's reason: "FILTERED: cooldown — last entry…" → "FILTERED: cooldown". */
export function reasonGroup(decision: Pick<AlertDecision, 'outcome' | 'reason'>): string {
  const match = /^([A-Z_]+): (.+?)(?: — |$)/.exec(decision.reason);
  if (match !== null) return `${match[1]}: ${match[2]!.slice(0, 60)}`;
  return decision.reason === '' ? decision.outcome : `${decision.outcome}: ${decision.reason.slice(0, 60)}`;
}

export function filteredAlerts(decisions: readonly AlertDecision[]): FilteredAlerts {
  const alerts = decisions.filter((d) => d.outcome !== 'EXECUTED');
  const counts = new Map<string, number>();
  for (const d of alerts) {
    const key = reasonGroup(d);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const byReason = [...counts]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  return { total: alerts.length, byReason, alerts };
}

export interface DrawdownPoint {
  readonly ts: number;
  /** Equity minus its running peak: 0 or negative dollars. */
  readonly drawdown: number;
}

export function drawdownCurve(m: Pick<Metrics, 'equityCurve'>): DrawdownPoint[] {
  let peak = Number.NEGATIVE_INFINITY;
  return m.equityCurve.map((p) => {
    peak = Math.max(peak, p.equity);
    const drawdown = Math.round((p.equity - peak) * 100) / 100;
    return { ts: p.ts, drawdown: drawdown === 0 ? 0 : drawdown };
  });
}

/** Every setting of the run as [name, value] text, in name order (the JSON report has the values). */
export function settingRows(result: Pick<BacktestResult, 'settings'>): [string, string][] {
  return Object.keys(result.settings)
    .sort()
    .map((key) => {
      const value = (result.settings as unknown as Record<string, unknown>)[key];
      const text =
        typeof value === 'string' ? (value === '' ? '(off)' : value) : (JSON.stringify(value) ?? 'undefined');
      return [key, text];
    });
}

export { EXIT_REASONS };
