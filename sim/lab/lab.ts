/**
 * The strategy lab: every cell of a grid through the live engine backtest, ranked by the chosen
 * objective under the constraints; optionally a walk-forward (best in-sample cell per window re-run
 * out of sample, the out-of-sample trades stitched). The report is plain data with no timings, so the
 * same data, grid and seed give byte-identical JSON on any executor.
 */

import { startingBalanceOf } from '../../src/domain/guards.ts';
import { computeMetrics, type TradeLike } from '../../src/domain/metrics.ts';
import { tradingDayId } from '../../src/domain/session-time.ts';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import type { CellResult, CellTask, LabData, LabWindow } from './cell.ts';
import type { LabExecutor, OnCellDone } from './executor.ts';
import { gridSize, type LabCell, type LabSpec, type SettingValue } from './grid.ts';
import { brokenConstraints, type CellSummary, compareCells, figure, type Objective } from './objective.ts';

export const LAB_FORMAT = 'valuearea-lab/1';

export interface RankedCell {
  readonly index: number;
  readonly label: string;
  readonly values: Readonly<Record<string, SettingValue>>;
  readonly summary: CellSummary;
  /** Constraints the cell breaks (empty: it qualifies). */
  readonly broken: readonly string[];
  /** 1 = best; every cell is ranked, the ones that break a constraint after the others. */
  readonly rank: number;
}

export interface HeatmapData {
  readonly x: string;
  readonly y: string;
  readonly xValues: readonly SettingValue[];
  readonly yValues: readonly SettingValue[];
  /**
   * z[yi][xi]: the best objective over the other settings among qualifying cells; null where no
   * qualifying cell ran there.
   */
  readonly z: readonly (readonly (number | null)[])[];
  /** Grid index of the cell behind each value. */
  readonly cells: readonly (readonly (number | null)[])[];
}

export interface WalkForwardWindow {
  readonly n: number;
  readonly inSample: LabWindow & {
    readonly days: number;
    readonly firstDay: string;
    readonly lastDay: string;
  };
  readonly outOfSample: LabWindow & {
    readonly days: number;
    readonly firstDay: string;
    readonly lastDay: string;
  };
  /** The best in-sample cell (null when no cell qualified in sample: the window sits out). */
  readonly chosen: { readonly index: number; readonly label: string } | null;
  readonly inSampleSummary: CellSummary | null;
  readonly outOfSampleSummary: CellSummary | null;
  readonly inSampleObjective: number | null;
  readonly outOfSampleObjective: number | null;
  /** Net P&L per trading day in and out of sample. */
  readonly inSampleNetPerDay: number | null;
  readonly outOfSampleNetPerDay: number | null;
}

export interface WalkForwardReport {
  readonly inSampleDays: number;
  readonly outOfSampleDays: number;
  readonly anchored: boolean;
  readonly windows: readonly WalkForwardWindow[];
  /** The out-of-sample trades of every window, one account from the first window's start. */
  readonly stitched: Omit<CellSummary, 'passProbability' | 'verdict'> & {
    readonly equity: readonly (readonly [string, number])[];
  };
  /**
   * Walk-forward efficiency: out-of-sample net P&L per day ÷ in-sample net P&L per day, over the
   * windows that traded (1 = held up, below 0 = the in-sample edge reversed); null without an
   * in-sample profit.
   */
  readonly efficiency: number | null;
  readonly meanInSampleObjective: number | null;
  readonly meanOutOfSampleObjective: number | null;
}

export interface LabReport {
  readonly format: typeof LAB_FORMAT;
  readonly name: string;
  readonly symbol: string;
  readonly data: {
    readonly source: string;
    readonly bars: number;
    readonly firstTs: number;
    readonly lastTs: number;
  };
  readonly alerts: number;
  readonly barMs: number;
  readonly policy: string;
  readonly objective: Objective;
  readonly constraints: readonly string[];
  readonly seed: number;
  readonly gridCells: number;
  readonly random: number | null;
  readonly parameters: readonly { readonly name: string; readonly values: readonly SettingValue[] }[];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly exchange: Readonly<Record<string, unknown>>;
  readonly monteCarlo: { readonly runs: number; readonly seed: number };
  readonly cells: readonly RankedCell[];
  readonly best: RankedCell | null;
  readonly heatmap: HeatmapData | null;
  /** Daily equity of the best cells (up to 5), for the report's curves. */
  readonly top: readonly {
    readonly index: number;
    readonly label: string;
    readonly equity: readonly (readonly [string, number])[];
  }[];
  readonly walkForward: WalkForwardReport | null;
}

export interface LabRunOptions {
  readonly name: string;
  readonly spec: LabSpec;
  readonly cells: readonly LabCell[];
  readonly data: LabData;
  readonly executor: LabExecutor;
  /** Progress over every cell run of the lab (the sweep, then the walk-forward's). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** How many backtests the lab will run: the sweep, plus cells × windows in sample and one per window out. */
export function plannedRuns(cells: number, windows: number): number {
  return cells + cells * windows + windows;
}

export async function runLab(options: LabRunOptions): Promise<LabReport> {
  const { spec, cells, data, executor } = options;
  const windows = spec.walkForward ? walkForwardWindows(data, spec.walkForward) : [];
  const total = plannedRuns(cells.length, windows.length);
  let base = 0;
  const progress: OnCellDone = (_r, done) => options.onProgress?.(base + done, total);

  const fullTasks: CellTask[] = cells.map((c) => cellTask(c, null, ''));
  const full = await executor.run(fullTasks, progress);
  base += fullTasks.length;
  const ranked = rank(cells, full, spec);

  let walkForward: WalkForwardReport | null = null;
  if (spec.walkForward) {
    const inTasks: CellTask[] = [];
    windows.forEach((w, wi) => {
      for (const c of cells) inTasks.push(cellTask(c, w.inSample, `.w${wi + 1}.in`));
    });
    const inResults = await executor.run(inTasks, progress);
    base += inTasks.length;
    const chosen = windows.map((_, wi) => {
      const slice = inResults.slice(wi * cells.length, (wi + 1) * cells.length);
      const best = rank(cells, slice, spec)[0];
      return best && best.broken.length === 0 ? best : null;
    });
    const outTasks: CellTask[] = [];
    windows.forEach((w, wi) => {
      const pick = chosen[wi];
      if (pick) outTasks.push(cellTask(pick, w.outOfSample, `.w${wi + 1}.out`, true));
    });
    const outResults = await executor.run(outTasks, progress);
    base += outTasks.length;
    options.onProgress?.(total, total);
    walkForward = walkForwardReport(spec, data, windows, chosen, outResults);
  } else {
    options.onProgress?.(total, total);
  }

  const settings = { ...data.settings };
  const byIndex = new Map(full.map((r) => [r.cell, r]));
  return {
    format: LAB_FORMAT,
    name: options.name,
    symbol: data.symbol,
    data: {
      source: data.bars.source,
      bars: data.bars.length,
      firstTs: data.bars.length > 0 ? data.bars.ts[0]! : 0,
      lastTs: data.bars.length > 0 ? data.bars.ts[data.bars.length - 1]! : 0,
    },
    alerts: data.alerts.length,
    barMs: data.barMs,
    policy: data.policy,
    objective: spec.objective,
    constraints: spec.constraints.map((c) => c.text),
    seed: spec.seed,
    gridCells: gridSize(spec),
    random: cells.length < gridSize(spec) ? cells.length : null,
    parameters: spec.parameters.map((p) => ({ name: p.name, values: p.values })),
    settings,
    exchange: { ...data.exchange },
    monteCarlo: { runs: data.monteCarlo.runs ?? 10_000, seed: data.monteCarlo.seed ?? 1 },
    cells: ranked,
    best: ranked[0] && ranked[0].broken.length === 0 ? ranked[0] : null,
    heatmap: heatmap(spec, ranked),
    top: ranked
      .filter((c) => c.broken.length === 0)
      .slice(0, 5)
      .map((c) => ({ index: c.index, label: c.label, equity: byIndex.get(c.index)!.equity })),
    walkForward,
  };
}

/** A cell over the whole data (window null) or one window; out-of-sample runs keep their trades. */
function cellTask(
  cell: Pick<LabCell, 'index' | 'values'>,
  window: LabWindow | null,
  suffix: string,
  keepTrades = false,
): CellTask {
  return {
    key: `c${cell.index}${suffix}`,
    cell: cell.index,
    values: cell.values,
    window: window ? { from: window.from, to: window.to } : null,
    keepTrades,
  };
}

function rank(cells: readonly LabCell[], results: readonly CellResult[], spec: LabSpec): RankedCell[] {
  const rows = cells.map((c, i) => {
    const summary = results[i]!.summary;
    const broken = brokenConstraints(summary, spec.constraints);
    return {
      index: c.index,
      label: c.label,
      values: c.values,
      summary,
      broken,
      feasible: broken.length === 0,
    };
  });
  rows.sort((a, b) => compareCells(a, b, spec.objective));
  return rows.map(({ feasible: _f, ...row }, i) => ({ ...row, rank: i + 1 }));
}

function heatmap(spec: LabSpec, ranked: readonly RankedCell[]): HeatmapData | null {
  if (!spec.heatmap) return null;
  const [x, y] = spec.heatmap;
  const xValues = spec.parameters.find((p) => p.name === x)!.values;
  const yValues = spec.parameters.find((p) => p.name === y)!.values;
  const key = (v: SettingValue) => JSON.stringify(v);
  const xi = new Map(xValues.map((v, i) => [key(v), i]));
  const yi = new Map(yValues.map((v, i) => [key(v), i]));
  const z: (number | null)[][] = yValues.map(() => xValues.map(() => null));
  const cells: (number | null)[][] = yValues.map(() => xValues.map(() => null));
  // Ranked best first: the first qualifying cell met at a square is that square's best.
  for (const cell of ranked) {
    if (cell.broken.length > 0) continue;
    const i = xi.get(key(cell.values[x]!))!;
    const j = yi.get(key(cell.values[y]!))!;
    if (cells[j]![i] !== null) continue;
    const v = figure(cell.summary, spec.objective);
    z[j]![i] = v === null || !Number.isFinite(v) ? null : v;
    cells[j]![i] = cell.index;
  }
  return { x, y, xValues, yValues, z, cells };
}

interface PlannedWindow {
  readonly inSample: WalkForwardWindow['inSample'];
  readonly outOfSample: WalkForwardWindow['outOfSample'];
}

export class WalkForwardError extends Error {
  override readonly name = 'WalkForwardError';
}

/** The trading days of the data and the first bar of each: the walk-forward's calendar. */
function tradingDays(data: Pick<LabData, 'bars' | 'startTs'>): { day: string; start: number }[] {
  const out: { day: string; start: number }[] = [];
  const { ts, length } = data.bars;
  for (let i = 0; i < length; i++) {
    if (data.startTs !== null && ts[i]! < data.startTs) continue;
    const day = tradingDayId(ts[i]!);
    if (out.length === 0 || out[out.length - 1]!.day !== day) out.push({ day, start: ts[i]! });
  }
  return out;
}

/**
 * Windows over the data's trading days (CME Globex days, 17:00–17:00 Chicago). Rolling: in-sample
 * days [k·oos, k·oos + is), out of sample the next oos days. Anchored: in sample always from the
 * first day. The first day is history for the profile lookback and is not traded.
 */
export function walkForwardWindows(
  data: Pick<LabData, 'bars' | 'barMs' | 'startTs'>,
  wf: NonNullable<LabSpec['walkForward']>,
): PlannedWindow[] {
  const days = tradingDays(data);
  const lastTs = data.bars.length > 0 ? data.bars.ts[data.bars.length - 1]! + data.barMs : 0;
  // Without --from, the first day is profile history; with it, the bars before --from are.
  const usable = data.startTs === null ? days.slice(1) : days;
  const need = wf.inSampleDays + wf.outOfSampleDays;
  if (usable.length < need)
    throw new WalkForwardError(
      `walkForward: the data has ${usable.length} trading day(s) to trade${data.startTs === null ? ' after the first (which is profile history)' : ''}; ` +
        `one window needs ${wf.inSampleDays} in sample + ${wf.outOfSampleDays} out of sample = ${need}; ` +
        'shorten the windows or give more data',
    );
  const edge = (i: number) => (i < usable.length ? usable[i]!.start : lastTs);
  const span = (a: number, b: number) => ({
    from: edge(a),
    to: edge(b),
    days: b - a,
    firstDay: usable[a]!.day,
    lastDay: usable[b - 1]!.day,
  });
  const out: PlannedWindow[] = [];
  for (let k = 0; ; k++) {
    const oosStart = wf.inSampleDays + k * wf.outOfSampleDays;
    if (oosStart + wf.outOfSampleDays > usable.length) break;
    const isStart = wf.anchored ? 0 : k * wf.outOfSampleDays;
    out.push({
      inSample: span(isStart, oosStart),
      outOfSample: span(oosStart, oosStart + wf.outOfSampleDays),
    });
  }
  return out;
}

const perDay = (net: number | undefined, days: number) =>
  net === undefined || days <= 0 ? null : Math.round((net / days) * 100) / 100;
const mean = (xs: readonly (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length === 0 ? null : Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 10_000) / 10_000;
};

function walkForwardReport(
  spec: LabSpec,
  data: LabData,
  windows: readonly PlannedWindow[],
  chosen: readonly (RankedCell | null)[],
  outResults: readonly CellResult[],
): WalkForwardReport {
  const wf = spec.walkForward!;
  let o = 0;
  const rows: WalkForwardWindow[] = windows.map((w, wi) => {
    const pick = chosen[wi] ?? null;
    const out = pick ? outResults[o++]! : null;
    const inObj = pick ? figure(pick.summary, spec.objective) : null;
    const outObj = out ? figure(out.summary, spec.objective) : null;
    return {
      n: wi + 1,
      inSample: w.inSample,
      outOfSample: w.outOfSample,
      chosen: pick ? { index: pick.index, label: pick.label } : null,
      inSampleSummary: pick?.summary ?? null,
      outOfSampleSummary: out?.summary ?? null,
      inSampleObjective: inObj !== null && Number.isFinite(inObj) ? inObj : null,
      outOfSampleObjective: outObj !== null && Number.isFinite(outObj) ? outObj : null,
      inSampleNetPerDay: perDay(pick?.summary.netPnl, w.inSample.days),
      outOfSampleNetPerDay: perDay(out?.summary.netPnl, w.outOfSample.days),
    };
  });
  const trades: TradeLike[] = outResults.flatMap((r) => r.trades ?? []);
  const from = windows[0]!.outOfSample.from;
  const to = Math.max(windows[windows.length - 1]!.outOfSample.to, from + 1);
  const m = computeMetrics(trades, {
    startingBalance: startingBalanceOf({ ...DEFAULT_SETTINGS, ...data.settings }),
    from,
    to,
  });
  const traded = rows.filter((r) => r.chosen !== null);
  const inPerDay = traded.reduce((s, r) => s + (r.inSampleNetPerDay ?? 0), 0);
  const outPerDay = traded.reduce((s, r) => s + (r.outOfSampleNetPerDay ?? 0), 0);
  const r2 = (v: number | null) => (v === null ? null : Math.round(v * 10_000) / 10_000);
  return {
    inSampleDays: wf.inSampleDays,
    outOfSampleDays: wf.outOfSampleDays,
    anchored: wf.anchored,
    windows: rows,
    stitched: {
      trades: m.trades,
      netPnl: Math.round(m.totalNetPnl * 100) / 100,
      profitFactor: r2(m.profitFactor),
      sharpe: r2(m.sharpe),
      maxDrawdown: Math.round(m.maxDrawdown * 100) / 100,
      expectancyR: r2(m.expectancyR),
      winRate: r2(m.winRate),
      // From the starting balance at the close of the day before the first out-of-sample day.
      equity: [
        [windows[0]!.inSample.lastDay, m.startingBalance] as const,
        ...m.dailyReturns.map((d) => [d.day, Math.round((d.startEquity + d.netPnl) * 100) / 100] as const),
      ],
    },
    efficiency: traded.length > 0 && inPerDay > 0 ? r2(outPerDay / inPerDay) : null,
    meanInSampleObjective: mean(rows.map((r) => r.inSampleObjective)),
    meanOutOfSampleObjective: mean(rows.map((r) => r.outOfSampleObjective)),
  };
}
