/**
 * Backtest reports written by `npm run backtest -- --json r.json --html r.html` into a folder: each
 * JSON report (format valuearea-backtest/1) is listed; an HTML report with the same base name is
 * offered beside it. Ids are `file.<base name>`, so they never collide with stored backtests.
 * Strategy-lab sweeps (`npm run lab`, format valuearea-lab/1) in the same folder are listed too, as
 * kind "sweep", with the best cell's figures as the headline.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BacktestSummary, SweepSummary } from '../../ports/dashboard-queries.ts';

export const FILE_ID_PREFIX = 'file.';
const SAFE_BASE = /^[A-Za-z0-9_.-]{1,100}$/;

const BACKTEST_FORMAT = 'valuearea-backtest/';
const LAB_FORMAT = 'valuearea-lab/';

export interface BacktestFile extends BacktestSummary {
  readonly htmlFile: string | null;
  /** A single backtest, or a strategy-lab sweep of many. */
  readonly kind: 'backtest' | 'sweep';
  /** The sweep's grid and best cell; null for a backtest. */
  readonly sweep: SweepSummary | null;
}

type Headline = Pick<BacktestSummary, 'symbol' | 'trades' | 'totalNetPnl' | 'winRate'>;
const numberOrNull = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function headline(report: unknown): Headline {
  const r = (report ?? {}) as { symbol?: unknown; metrics?: Record<string, unknown> };
  return {
    symbol: typeof r.symbol === 'string' ? r.symbol : null,
    trades: numberOrNull(r.metrics?.trades),
    totalNetPnl: numberOrNull(r.metrics?.totalNetPnl),
    winRate: numberOrNull(r.metrics?.winRate),
  };
}

/**
 * A lab report's sweep and headline (the best cell's figures); a string back says what is wrong
 * with the file, and it is skipped.
 */
export function sweepOf(report: unknown): { sweep: SweepSummary; headline: Headline } | string {
  if (!isRecord(report)) return 'not a JSON object';
  const { objective, cells, gridCells, constraints, best, walkForward } = report;
  if (typeof objective !== 'string') return 'a lab report without "objective"';
  if (!Array.isArray(cells)) return 'a lab report without "cells" (the ranked cells)';
  if (numberOrNull(gridCells) === null) return 'a lab report without "gridCells"';
  if (best !== null && !(isRecord(best) && typeof best.label === 'string' && isRecord(best.summary)))
    return 'a lab report whose "best" is neither null nor a cell with a label and a summary';
  const summary = best === null ? null : (best.summary as Record<string, unknown>);
  const windows = isRecord(walkForward) && Array.isArray(walkForward.windows) ? walkForward.windows : null;
  return {
    sweep: {
      cells: cells.length,
      gridCells: gridCells as number,
      objective,
      constraints: Array.isArray(constraints) ? constraints.filter((c) => typeof c === 'string') : [],
      bestLabel: best === null ? null : (best.label as string),
      bestValue: summary === null ? null : numberOrNull(summary[objective]),
      walkForwardWindows: windows === null ? null : windows.length,
      walkForwardEfficiency: isRecord(walkForward) ? numberOrNull(walkForward.efficiency) : null,
    },
    headline: {
      symbol: typeof report.symbol === 'string' ? report.symbol : null,
      trades: numberOrNull(summary?.trades),
      totalNetPnl: numberOrNull(summary?.netPnl),
      winRate: numberOrNull(summary?.winRate),
    },
  };
}

/** The listing of one report file; null when it is no report of ours, a string when it is a broken one. */
function listingOf(
  base: string,
  createdAt: number,
  htmlFile: string | null,
  report: unknown,
): BacktestFile | string | null {
  const format = isRecord(report) ? report.format : undefined;
  if (typeof format !== 'string') return null;
  const common = {
    id: `${FILE_ID_PREFIX}${base}`,
    name: base,
    createdAt,
    params: { file: `${base}.json` },
    htmlFile,
  };
  if (format.startsWith(BACKTEST_FORMAT))
    return { ...common, kind: 'backtest', sweep: null, ...headline(report) };
  if (!format.startsWith(LAB_FORMAT)) return null;
  const lab = sweepOf(report);
  if (typeof lab === 'string') return lab;
  return { ...common, kind: 'sweep', sweep: lab.sweep, ...lab.headline };
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Reports in the folder, newest first; unreadable files are listed by nothing (and logged by the caller). */
export async function listBacktestFiles(
  dir: string,
  onSkip?: (file: string, why: string) => void,
): Promise<BacktestFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: BacktestFile[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const base = name.slice(0, -'.json'.length);
    if (!SAFE_BASE.test(base)) continue;
    const path = join(dir, name);
    try {
      const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      const report = JSON.parse(text) as unknown;
      const htmlFile = (await exists(join(dir, `${base}.html`))) ? `${base}.html` : null;
      const listed = listingOf(base, info.mtimeMs, htmlFile, report);
      if (typeof listed === 'string') onSkip?.(name, listed);
      else if (listed !== null) out.push(listed);
    } catch (error) {
      onSkip?.(name, error instanceof Error ? error.message : String(error));
    }
  }
  return out.sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
}

export async function readBacktestFile(
  dir: string,
  id: string,
): Promise<{ summary: BacktestFile; report: unknown } | null> {
  if (!id.startsWith(FILE_ID_PREFIX)) return null;
  const base = id.slice(FILE_ID_PREFIX.length);
  if (!SAFE_BASE.test(base) || base.includes('..')) return null;
  const path = join(dir, `${base}.json`);
  if (!(await exists(path))) return null;
  const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
  const report = JSON.parse(text) as unknown;
  const htmlFile = (await exists(join(dir, `${base}.html`))) ? `${base}.html` : null;
  const listed = listingOf(base, info.mtimeMs, htmlFile, report);
  // Opened by id, a file of another format reads as a backtest, as it always has.
  const summary: BacktestFile =
    listed !== null && typeof listed !== 'string'
      ? listed
      : {
          id,
          name: base,
          createdAt: info.mtimeMs,
          params: { file: `${base}.json` },
          htmlFile,
          kind: 'backtest',
          sweep: null,
          ...headline(report),
        };
  return { summary, report };
}

export async function readBacktestHtml(dir: string, id: string): Promise<string | null> {
  const found = await readBacktestFile(dir, id);
  if (!found?.summary.htmlFile) return null;
  return readFile(join(dir, found.summary.htmlFile), 'utf8');
}
