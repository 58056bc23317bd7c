/**
 * Backtest reports written by `npm run backtest -- --json r.json --html r.html` into a folder: each
 * JSON report (format valuearea-backtest/1) is listed; an HTML report with the same base name is
 * offered beside it. Ids are `file.<base name>`, so they never collide with stored backtests.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BacktestSummary } from '../../ports/dashboard-queries.ts';

export const FILE_ID_PREFIX = 'file.';
const SAFE_BASE = /^[A-Za-z0-9_.-]{1,100}$/;

export interface BacktestFile extends BacktestSummary {
  readonly htmlFile: string | null;
}

function headline(report: unknown): Pick<BacktestSummary, 'symbol' | 'trades' | 'totalNetPnl' | 'winRate'> {
  const r = (report ?? {}) as { symbol?: unknown; metrics?: Record<string, unknown> };
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    symbol: typeof r.symbol === 'string' ? r.symbol : null,
    trades: n(r.metrics?.trades),
    totalNetPnl: n(r.metrics?.totalNetPnl),
    winRate: n(r.metrics?.winRate),
  };
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
      const report = JSON.parse(text) as { format?: unknown };
      if (typeof report.format !== 'string' || !report.format.startsWith('valuearea-backtest/')) continue;
      const htmlFile = (await exists(join(dir, `${base}.html`))) ? `${base}.html` : null;
      out.push({
        id: `${FILE_ID_PREFIX}${base}`,
        name: base,
        createdAt: info.mtimeMs,
        params: { file: name },
        htmlFile,
        ...headline(report),
      });
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
  return {
    summary: {
      id,
      name: base,
      createdAt: info.mtimeMs,
      params: { file: `${base}.json` },
      htmlFile,
      ...headline(report),
    },
    report,
  };
}

export async function readBacktestHtml(dir: string, id: string): Promise<string | null> {
  const found = await readBacktestFile(dir, id);
  if (!found?.summary.htmlFile) return null;
  return readFile(join(dir, found.summary.htmlFile), 'utf8');
}
