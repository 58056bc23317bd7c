/**
 * What the lab ranks cells by, and the constraints a cell must meet to be ranked at all.
 * Every figure comes from the backtest's own metrics (docs/metrics.md) and Combine verdict.
 */
import { money, percent, rMultiple } from '../../src/domain/format.ts';

export const OBJECTIVES = [
  'netPnl',
  'profitFactor',
  'sharpe',
  'maxDrawdown',
  'expectancyR',
  'passProbability',
] as const;
export type Objective = (typeof OBJECTIVES)[number];

/** Figures a constraint may name: the objectives, plus trade count and win rate. */
export const CONSTRAINT_METRICS = [...OBJECTIVES, 'trades', 'winRate'] as const;
export type ConstraintMetric = (typeof CONSTRAINT_METRICS)[number];

export const OBJECTIVE_NAMES: Readonly<Record<ConstraintMetric, string>> = {
  netPnl: 'net P&L',
  profitFactor: 'profit factor',
  sharpe: 'Sharpe',
  maxDrawdown: 'max drawdown',
  expectancyR: 'expectancy (R)',
  passProbability: 'Combine pass probability',
  trades: 'trades',
  winRate: 'win rate',
};

/** The one objective where lower is better. */
export const LOWER_IS_BETTER: ReadonlySet<Objective> = new Set(['maxDrawdown']);

/** A cell's figures; null where the metric is undefined (no trades, no losses for the profit factor…). */
export interface CellSummary {
  readonly trades: number;
  readonly netPnl: number;
  readonly profitFactor: number | null;
  readonly sharpe: number | null;
  readonly maxDrawdown: number;
  readonly expectancyR: number | null;
  readonly passProbability: number | null;
  readonly winRate: number | null;
  readonly verdict: string;
}

export type Comparison = '<' | '<=' | '>' | '>=';
export interface Constraint {
  readonly metric: ConstraintMetric;
  readonly op: Comparison;
  readonly value: number;
  readonly text: string;
}

/** "maxDrawdown < 1500", "trades >= 20", "passProbability>0.3"; a string back is the error. */
export function parseConstraint(text: string): Constraint | string {
  const m = /^\s*([A-Za-z]+)\s*(<=|>=|<|>)\s*(-?[\d,]*\.?\d+)\s*$/.exec(text);
  if (!m)
    return `"${text}" is not a constraint; write <figure> <op> <number>, e.g. "maxDrawdown < 1500" (ops: < <= > >=)`;
  const metric = CONSTRAINT_METRICS.find((c) => c === m[1]);
  if (metric === undefined) return `"${m[1]}" is not a figure; use one of ${CONSTRAINT_METRICS.join(', ')}`;
  return { metric, op: m[2] as Comparison, value: Number(m[3]!.replaceAll(',', '')), text: text.trim() };
}

/** A figure as a number for ranking; an undefined one is null (a profit factor with wins and no losses is +∞). */
export function figure(summary: CellSummary, metric: ConstraintMetric): number | null {
  if (metric === 'profitFactor' && summary.profitFactor === null)
    return summary.trades > 0 && summary.netPnl > 0 ? Number.POSITIVE_INFINITY : null;
  return summary[metric];
}

/** The constraints the cell breaks, by their text; empty when it meets them all. */
export function brokenConstraints(summary: CellSummary, constraints: readonly Constraint[]): string[] {
  const out: string[] = [];
  for (const c of constraints) {
    const v = figure(summary, c.metric);
    const ok =
      v !== null &&
      (c.op === '<' ? v < c.value : c.op === '<=' ? v <= c.value : c.op === '>' ? v > c.value : v >= c.value);
    if (!ok) out.push(c.text);
  }
  return out;
}

/**
 * Order for ranking: cells meeting the constraints first, then the objective best first (an undefined
 * objective last), then the lower grid index; a total order, so the ranking is deterministic.
 */
export function compareCells(
  a: { readonly index: number; readonly summary: CellSummary; readonly feasible: boolean },
  b: { readonly index: number; readonly summary: CellSummary; readonly feasible: boolean },
  objective: Objective,
): number {
  if (a.feasible !== b.feasible) return a.feasible ? -1 : 1;
  const va = figure(a.summary, objective);
  const vb = figure(b.summary, objective);
  if (va !== vb) {
    if (va === null) return 1;
    if (vb === null) return -1;
    return LOWER_IS_BETTER.has(objective) ? va - vb : vb - va;
  }
  return a.index - b.index;
}

/** A figure as a trader reads it: money, ratio, R or percent by what it measures (the HTML and terminal reports). */
export function figureText(metric: ConstraintMetric, value: number | null, missing = 'n/a'): string {
  if (value === null || Number.isNaN(value)) return missing;
  switch (metric) {
    case 'netPnl':
    case 'maxDrawdown':
      return money(value);
    case 'profitFactor':
      return value === Number.POSITIVE_INFINITY ? '∞' : value.toFixed(2);
    case 'sharpe':
      return value.toFixed(2);
    case 'expectancyR':
      return rMultiple(value);
    case 'passProbability':
    case 'winRate':
      return percent(value);
    case 'trades':
      return String(value);
  }
}
