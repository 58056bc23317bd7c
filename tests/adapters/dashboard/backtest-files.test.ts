/** The reports folder: backtests and strategy-lab sweeps listed side by side, broken files skipped. */
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labHtmlReport } from '../../../sim/lab/html.ts';
import type { LabReport, RankedCell } from '../../../sim/lab/lab.ts';
import { listBacktestFiles, readBacktestFile } from '../../../src/adapters/dashboard/backtest-files.ts';
import { registerDashboard } from '../../../src/adapters/dashboard/index.ts';
import { createHttpServer } from '../../../src/adapters/webhook/server.ts';
import { DEFAULT_SETTINGS } from '../../../src/domain/settings.ts';
import type { DashboardQueries } from '../../../src/ports/dashboard-queries.ts';

const best: RankedCell = {
  index: 3,
  label: 'profileRows=48 valueAreaPercent=0.7',
  values: { profileRows: 48, valueAreaPercent: 0.7 },
  summary: {
    trades: 14,
    netPnl: 1250.5,
    profitFactor: 1.8,
    sharpe: 1.2,
    maxDrawdown: 600,
    expectancyR: 0.3,
    passProbability: 0.4,
    winRate: 0.57,
    verdict: 'passed',
  },
  broken: [],
  rank: 1,
};

const lab: LabReport = {
  format: 'valuearea-lab/1',
  name: 'es-rows',
  symbol: 'ES',
  data: { source: 'es.csv', bars: 1000, firstTs: Date.UTC(2025, 2, 3), lastTs: Date.UTC(2025, 2, 7) },
  alerts: 20,
  barMs: 60_000,
  policy: 'conservative',
  objective: 'netPnl',
  constraints: ['maxDrawdown < 1500'],
  seed: 1,
  gridCells: 240,
  random: 200,
  parameters: [
    { name: 'profileRows', values: [24, 48] },
    { name: 'valueAreaPercent', values: [0.6, 0.7] },
  ],
  settings: {},
  exchange: {},
  monteCarlo: { runs: 1000, seed: 1 },
  cells: Array.from({ length: 200 }, (_, i) => ({ ...best, index: best.index + i, rank: i + 1 })),
  best,
  heatmap: null,
  top: [{ index: 3, label: best.label, equity: [['2025-03-04', 51_250.5]] }],
  walkForward: null,
};

const backtest = {
  format: 'valuearea-backtest/1',
  symbol: 'GC',
  metrics: { trades: 2, totalNetPnl: -42.5, winRate: 0.5 },
};

/** A folder as `npm run backtest` and `npm run lab` leave it, plus the broken files that happen. */
function reportsFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'valuearea-sweeps-'));
  const write = (name: string, text: string, minutesAgo: number) => {
    writeFileSync(join(dir, name), text);
    const t = new Date(Date.UTC(2026, 0, 1) - minutesAgo * 60_000);
    utimesSync(join(dir, name), t, t);
  };
  write('gc-week.json', JSON.stringify(backtest), 10);
  write('gc-week.html', '<!doctype html><h1>backtest</h1>', 10);
  write('es-rows.json', JSON.stringify(lab), 5);
  write('es-rows.html', labHtmlReport(lab), 5);
  write('no-cells.json', JSON.stringify({ ...lab, cells: undefined }), 4);
  write('bad-best.json', JSON.stringify({ ...lab, best: { rank: 1 } }), 3);
  write('truncated.json', JSON.stringify(lab).slice(0, 80), 2);
  write('notes.json', JSON.stringify({ format: 'something-else/1' }), 1);
  return dir;
}

describe('reports folder with strategy-lab sweeps', () => {
  it('lists a lab report as a sweep with its best cell, beside an unchanged backtest row', async () => {
    const skipped: string[] = [];
    const files = await listBacktestFiles(reportsFolder(), (file, why) => skipped.push(`${file}: ${why}`));
    expect(files.map((f) => f.id)).toEqual(['file.es-rows', 'file.gc-week']);
    const [sweep, run] = files;
    expect(sweep).toMatchObject({
      kind: 'sweep',
      name: 'es-rows',
      symbol: 'ES',
      htmlFile: 'es-rows.html',
      params: { file: 'es-rows.json' },
      trades: 14,
      totalNetPnl: 1250.5,
      winRate: 0.57,
      sweep: {
        cells: 200,
        gridCells: 240,
        objective: 'netPnl',
        constraints: ['maxDrawdown < 1500'],
        bestLabel: 'profileRows=48 valueAreaPercent=0.7',
        bestValue: 1250.5,
        walkForwardWindows: null,
        walkForwardEfficiency: null,
      },
    });
    expect(run).toMatchObject({
      kind: 'backtest',
      sweep: null,
      symbol: 'GC',
      trades: 2,
      totalNetPnl: -42.5,
      winRate: 0.5,
      htmlFile: 'gc-week.html',
      params: { file: 'gc-week.json' },
    });
    expect(skipped).toHaveLength(3);
    expect(skipped.find((s) => s.startsWith('no-cells.json'))).toMatch(/without "cells"/);
    expect(skipped.find((s) => s.startsWith('bad-best.json'))).toMatch(/"best"/);
    expect(skipped.find((s) => s.startsWith('truncated.json'))).toMatch(/JSON/);
  });

  it('says so when no cell of a sweep met the constraints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'valuearea-sweeps-'));
    writeFileSync(join(dir, 'none.json'), JSON.stringify({ ...lab, best: null, top: [] }));
    const [sweep] = await listBacktestFiles(dir);
    expect(sweep!.sweep).toMatchObject({ bestLabel: null, bestValue: null });
    expect(sweep).toMatchObject({ kind: 'sweep', trades: null, totalNetPnl: null, htmlFile: null });
  });

  it('opens a sweep by id with its report', async () => {
    const found = await readBacktestFile(reportsFolder(), 'file.es-rows');
    expect(found!.summary.kind).toBe('sweep');
    expect((found!.report as LabReport).cells).toHaveLength(200);
  });

  it('serves the sweep in the API list with its HTML report', async () => {
    const app = createHttpServer({ logger: false });
    const queries = {
      backtestSummaries: async () => [],
      backtest: async () => null,
    } as unknown as DashboardQueries;
    registerDashboard(app, {
      queries,
      settings: async () => DEFAULT_SETTINGS,
      exposed: false,
      distDir: '/nonexistent-dashboard-dist',
      buildIfMissing: false,
      backtestsDir: reportsFolder(),
    });
    try {
      const list = await app.inject({ method: 'GET', url: '/api/backtests' });
      const items = list.json().items as { id: string; kind: string; htmlUrl: string | null }[];
      expect(items.map((b) => [b.id, b.kind, b.htmlUrl])).toEqual([
        ['file.es-rows', 'sweep', '/api/backtests/file.es-rows/html'],
        ['file.gc-week', 'backtest', '/api/backtests/file.gc-week/html'],
      ]);
      const html = await app.inject({ method: 'GET', url: '/api/backtests/file.es-rows/html' });
      expect(html.headers['content-type']).toContain('text/html');
      expect(html.body).toContain('Strategy lab: es-rows');
    } finally {
      await app.close();
    }
  });
});
