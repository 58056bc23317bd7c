/**
 * JSON report: byte-identical for the same inputs. Keys are sorted at every level, numbers that are
 * not finite become null, and nothing about the run itself goes in (no run time, no absolute paths).
 */
import { basename } from 'node:path';
import { METRICS_DEFINITION } from '../../src/domain/metrics.ts';
import type { BacktestResult } from '../backtest.ts';
import { drawdownCurve, exitsByRung, filteredAlerts, reportTrades, rSummary } from './content.ts';

export const REPORT_FORMAT = 'valuearea-backtest/1';

export interface ReportInputs {
  /** Data file as given; only its base name is reported. */
  readonly dataFile: string;
  readonly alertsFile?: string;
  /** Free-form options worth recording (path policy, exchange config…). */
  readonly options?: Readonly<Record<string, unknown>>;
}

export function reportObject(result: BacktestResult, inputs: ReportInputs): Record<string, unknown> {
  const trades = reportTrades(result.trades);
  const filtered = filteredAlerts(result.decisions);
  return {
    format: REPORT_FORMAT,
    symbol: result.symbol,
    inputs: {
      data: basename(inputs.dataFile),
      alerts: inputs.alertsFile === undefined ? 'demo signal generator' : basename(inputs.alertsFile),
      pathPolicy: result.policy,
      ...inputs.options,
    },
    span: {
      from: new Date(result.stats.firstTs).toISOString(),
      to: new Date(result.stats.endTs).toISOString(),
      bars: result.stats.bars,
      ticks: result.stats.ticks,
      pricePoints: result.stats.pricePoints,
      alerts: result.stats.alerts,
    },
    fillRules: result.fillRules,
    settings: result.settings,
    metricsDefinition: METRICS_DEFINITION,
    metrics: result.metrics,
    drawdownCurve: drawdownCurve(result.metrics),
    exitsByRung: exitsByRung(result.trades),
    rPerTrade: rSummary(trades),
    trades: trades.map((t) => ({
      ...t,
      entryTimeIso: new Date(t.entryTime).toISOString(),
      exitTimeIso: new Date(t.exitTime).toISOString(),
    })),
    decisions: result.decisions,
    filteredAlerts: { total: filtered.total, byReason: filtered.byReason },
    risk: result.risk,
    verdict: result.verdict,
    exchangeAtEnd: { position: result.strayPosition, workingOrders: result.strayOrders },
  };
}

export function jsonReport(result: BacktestResult, inputs: ReportInputs): string {
  return `${stableStringify(reportObject(result, inputs))}\n`;
}

/** JSON.stringify with sorted keys and non-finite numbers as null, indented by two spaces. */
export function stableStringify(value: unknown, indent = 2): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
