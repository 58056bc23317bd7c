import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { demoSignals } from '../../sim/alerts.ts';
import { NO_GUARDS, runBacktest } from '../../sim/backtest.ts';
import { loadBarsCsv } from '../../sim/csv.ts';
import { type LabData, runCell } from '../../sim/lab/cell.ts';
import { inlineExecutor } from '../../sim/lab/executor.ts';
import { GridError, gridSize, labCells, parseGrid } from '../../sim/lab/grid.ts';
import { runLab, WalkForwardError, walkForwardWindows } from '../../sim/lab/lab.ts';
import {
  brokenConstraints,
  type CellSummary,
  compareCells,
  parseConstraint,
} from '../../sim/lab/objective.ts';
import { threadExecutor } from '../../sim/lab/threads.ts';
import { HistoryCache } from '../../sim/replay.ts';
import { stableStringify } from '../../sim/report/json.ts';
import { resolveAccountRules } from '../../src/domain/account-rules.ts';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import { rangeBoundCsv } from './synthetic.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const ES = fileURLToPath(
  new URL('../../../shared/data/market/ES_ESZ13_1m_2013-10-06_2013-10-14_utc.csv', import.meta.url),
);
const haveData = existsSync(ES);
if (!haveData && process.env.CI === 'true') throw new Error(`CI needs the shared market data at ${ES}`);
if (!haveData) console.warn(`skipped the lab on ES data: ${ES} not found (clone ../shared beside the repo)`);

const dir = mkdtempSync(join(tmpdir(), 'valuearea-lab-'));
const synthetic = join(dir, 'ES_synthetic_1m.csv');
// Four trading days of range-bound bars (Mon 14:30 UTC onwards).
writeFileSync(synthetic, rangeBoundCsv(Date.UTC(2025, 2, 3, 14, 30), 4 * 1380));

function syntheticData(): LabData {
  const bars = loadBarsCsv(synthetic, { tickSize: 0.25 });
  return {
    symbol: 'ES',
    bars,
    alerts: demoSignals(bars, { symbol: 'ES', period: 60, barMs: 60_000 }),
    barMs: 60_000,
    startTs: null,
    policy: 'conservative',
    settings: { riskPerTrade: 250, dailyLossLimit: 0, trailingDrawdown: 0 },
    exchange: {},
    monteCarlo: { runs: 500, seed: 7 },
  };
}

const gridErrors = (raw: unknown): string => {
  try {
    parseGrid(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(GridError);
    return (error as Error).message;
  }
  throw new Error('the grid was accepted');
};

describe('lab grid file', () => {
  it('expands lists and ranges, last parameter fastest, ranges free of float drift', () => {
    const spec = parseGrid({
      parameters: { profileRows: [24, 48], valueAreaPercent: { from: 60, to: 80, step: 10 } },
      settings: { riskPerTrade: 250 },
      objective: 'passProbability',
      constraints: ['maxDrawdown < 1,500'],
    });
    expect(gridSize(spec)).toBe(6);
    expect(labCells(spec).map((c) => c.label)).toEqual([
      'profileRows=24 valueAreaPercent=60',
      'profileRows=24 valueAreaPercent=70',
      'profileRows=24 valueAreaPercent=80',
      'profileRows=48 valueAreaPercent=60',
      'profileRows=48 valueAreaPercent=70',
      'profileRows=48 valueAreaPercent=80',
    ]);
    expect(spec.heatmap).toEqual(['profileRows', 'valueAreaPercent']);
    expect(spec.constraints[0]).toMatchObject({ metric: 'maxDrawdown', op: '<', value: 1500 });
    const drift = parseGrid({ parameters: { riskPerTrade: { from: 0.1, to: 0.3, step: 0.1 } } });
    expect(drift.parameters[0]!.values).toEqual([0.1, 0.2, 0.3]);
  });

  it('names the field and the fix for every kind of bad grid', () => {
    expect(gridErrors({ parameters: { profileRow: [24] } })).toMatch(
      /parameters\.profileRow.*not a setting; did you mean profileRows/,
    );
    expect(gridErrors({ parameters: { profileRows: { from: 50, to: 10, step: 5 } } })).toMatch(
      /parameters\.profileRows: .*range is empty: from 50 is above to 10/,
    );
    expect(gridErrors({ parameters: { profileRows: { from: 1, to: 10, step: 0 } } })).toMatch(
      /step 0 must be above 0/,
    );
    expect(gridErrors({ parameters: { profileRows: [] } })).toMatch(/parameters\.profileRows: no values/);
    expect(gridErrors({ parameters: { profileRows: [24, -1] } })).toMatch(
      /parameters\.profileRows\[1\]: got -1; use/,
    );
    expect(gridErrors({ parameters: { profileRows: [24, 24] } })).toMatch(/appears twice/);
    expect(gridErrors({ parameters: { timeZone: ['UTC'] } })).toMatch(/not a strategy setting.*"settings"/);
    expect(gridErrors({ parameters: {} })).toMatch(/parameters: empty/);
    expect(gridErrors({ parameters: { profileRows: [24] }, objectiv: 'netPnl' })).toMatch(
      /unknown field "objectiv"/,
    );
    expect(gridErrors({ parameters: { profileRows: [24] }, objective: 'profit' })).toMatch(
      /objective: "profit" is not an objective; use one of netPnl, profitFactor, sharpe, maxDrawdown, expectancyR, passProbability/,
    );
    expect(gridErrors({ parameters: { profileRows: [24] }, constraints: ['drawdown < 5'] })).toMatch(
      /constraints\[0\]: "drawdown" is not a figure/,
    );
    expect(gridErrors({ parameters: { profileRows: [24] }, constraints: ['maxDrawdown about 5'] })).toMatch(
      /constraints\[0\]: .*write <figure> <op> <number>/,
    );
    expect(
      gridErrors({ parameters: { profileRows: [24] }, heatmap: ['profileRows', 'stopBufferTicks'] }),
    ).toMatch(/heatmap\[1\]: "stopBufferTicks" is not one of the swept parameters/);
    expect(gridErrors({ parameters: { profileRows: [24] }, settings: { profileRows: 48 } })).toMatch(
      /settings\.profileRows: also under parameters/,
    );
    expect(gridErrors({ parameters: { profileRows: [24] }, settings: { riskPerTrad: 1 } })).toMatch(
      /settings\.riskPerTrad: not a setting/,
    );
  });

  it('refuses to list a grid that is too large, and samples it with a seed instead', () => {
    const huge = parseGrid({
      parameters: {
        profileRows: { from: 1, to: 200, step: 1 },
        stopBufferTicks: { from: 1, to: 100, step: 1 },
        riskPerTrade: { from: 100, to: 1000, step: 10 },
      },
    });
    expect(gridSize(huge)).toBe(200 * 100 * 91);
    expect(() => labCells(huge)).toThrow(/1,820,000 cells; the lab runs at most 1,000,000 .*--random N/);
    const a = labCells(huge, 50);
    const b = labCells(huge, 50);
    expect(a).toEqual(b);
    expect(new Set(a.map((c) => c.index)).size).toBe(50);
    expect(a.map((c) => c.index)).toEqual([...a.map((c) => c.index)].sort((x, y) => x - y));
    const other = labCells({ ...huge, seed: 2 }, 50);
    expect(other.map((c) => c.index)).not.toEqual(a.map((c) => c.index));
  });
});

describe('lab objectives and constraints', () => {
  const summary = (s: Partial<CellSummary>): CellSummary => ({
    trades: 10,
    netPnl: 0,
    profitFactor: 1,
    sharpe: 0,
    maxDrawdown: 0,
    expectancyR: 0,
    passProbability: 0,
    winRate: 0.5,
    verdict: 'not yet',
    ...s,
  });
  it('ranks qualifying cells first, lower drawdown first, ∞ profit factor on top, ties by grid index', () => {
    const c = (index: number, s: Partial<CellSummary>, feasible = true) => ({
      index,
      summary: summary(s),
      feasible,
    });
    const sort = (rows: ReturnType<typeof c>[], o: Parameters<typeof compareCells>[2]) =>
      [...rows].sort((a, b) => compareCells(a, b, o)).map((r) => r.index);
    expect(
      sort(
        [c(0, { maxDrawdown: 900 }), c(1, { maxDrawdown: 300 }), c(2, { maxDrawdown: 100 }, false)],
        'maxDrawdown',
      ),
    ).toEqual([1, 0, 2]);
    expect(
      sort(
        [
          c(0, { profitFactor: 3 }),
          c(1, { profitFactor: null, netPnl: 50 }),
          c(2, { profitFactor: null, trades: 0 }),
        ],
        'profitFactor',
      ),
    ).toEqual([1, 0, 2]);
    expect(sort([c(3, { netPnl: 5 }), c(1, { netPnl: 5 })], 'netPnl')).toEqual([1, 3]);
  });
  it('checks constraints and reports the broken ones by their text', () => {
    const cons = ['maxDrawdown < 1500', 'trades >= 20', 'sharpe > 0'].map((t) => {
      const parsed = parseConstraint(t);
      if (typeof parsed === 'string') throw new Error(parsed);
      return parsed;
    });
    expect(brokenConstraints(summary({ maxDrawdown: 1500, trades: 20, sharpe: null }), cons)).toEqual([
      'maxDrawdown < 1500',
      'sharpe > 0',
    ]);
    expect(brokenConstraints(summary({ maxDrawdown: 1499.99, trades: 20, sharpe: 0.1 }), cons)).toEqual([]);
  });
});

describe('lab cells are the backtest', () => {
  it('a cell equals npm run backtest’s engine with the same settings, figure for figure', () => {
    const data = syntheticData();
    const values = { profileRows: 48, stopBufferTicks: 6 };
    const cell = runCell(data, { key: 'c0', cell: 0, values, window: null, keepTrades: true });
    const direct = runBacktest({
      symbol: 'ES',
      bars: data.bars,
      alerts: data.alerts,
      barMs: 60_000,
      settings: { ...data.settings, ...values },
      monteCarlo: data.monteCarlo,
    });
    expect(direct.metrics.trades).toBeGreaterThan(1);
    expect(cell.summary.trades).toBe(direct.metrics.trades);
    expect(cell.summary.netPnl).toBe(Math.round(direct.metrics.totalNetPnl * 100) / 100);
    expect(cell.summary.passProbability).toBe(direct.verdict.monteCarlo.passProbability);
    expect(cell.trades!.map((t) => [t.positionId, t.netPnl])).toEqual(
      direct.trades.map((t) => [t.positionId, t.netPnl]),
    );
  });

  it('the shared profile history changes no result: every cell equal with and without it, and it is used', () => {
    const data = syntheticData();
    const cached = { ...data, history: new HistoryCache(data.bars) };
    const spec = parseGrid({
      parameters: { profileRows: [24, 48], valueAreaPercent: [60, 70], tp2Target: ['value_edge', 'r2'] },
    });
    const tasks = labCells(spec).map((c) => ({
      key: `c${c.index}`,
      cell: c.index,
      values: c.values,
      window: null,
      keepTrades: true,
    }));
    const plain = tasks.map((t) => runCell(data, t));
    const shared = tasks.map((t) => runCell(cached, t));
    expect(plain.some((r) => r.summary.trades > 0)).toBe(true);
    expect(stableStringify(shared)).toBe(stableStringify(plain));
    // The same window comes back as the same frozen array, built once.
    const ts = data.bars.ts[2000]!;
    const a = cached.history.barsBefore(data.bars, ts, 60_000, 240 * 60_000);
    expect(cached.history.barsBefore(data.bars, ts, 60_000, 240 * 60_000)).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a).toHaveLength(240);
    // Past its bar limit the cache builds windows without keeping them.
    const small = new HistoryCache(data.bars, 300);
    const first = small.barsBefore(data.bars, ts, 60_000, 240 * 60_000);
    expect(small.barsBefore(data.bars, ts, 60_000, 240 * 60_000)).toBe(first);
    const later = data.bars.ts[3000]!;
    const second = small.barsBefore(data.bars, later, 60_000, 240 * 60_000);
    expect(small.barsBefore(data.bars, later, 60_000, 240 * 60_000)).not.toBe(second);
    expect(small.barsBefore(data.bars, later, 60_000, 240 * 60_000)).toEqual(second);
    // A series over other memory is never served from the cache.
    const copy = loadBarsCsv(synthetic, { tickSize: 0.25 });
    expect(cached.history.barsBefore(copy, ts, 60_000, 240 * 60_000)).not.toBe(a);
    expect(cached.history.barsBefore(copy, ts, 60_000, 240 * 60_000)).toEqual(a);
  });

  it('walk-forward windows roll or stay anchored over trading days, and too few days say how many there are', () => {
    const data = syntheticData();
    const rolling = walkForwardWindows(data, { inSampleDays: 1, outOfSampleDays: 1, anchored: false });
    const anchored = walkForwardWindows(data, { inSampleDays: 1, outOfSampleDays: 1, anchored: true });
    expect(rolling.length).toBeGreaterThanOrEqual(2);
    expect(rolling.map((w) => w.inSample.days)).toEqual(rolling.map(() => 1));
    expect(anchored.map((w) => w.inSample.days)).toEqual(anchored.map((_, i) => i + 1));
    for (const w of [...rolling, ...anchored]) {
      expect(w.inSample.to).toBe(w.outOfSample.from);
      expect(w.inSample.from).toBeLessThan(w.inSample.to);
    }
    expect(anchored.every((w) => w.inSample.from === anchored[0]!.inSample.from)).toBe(true);
    expect(rolling[1]!.inSample.from).toBe(rolling[0]!.outOfSample.from);
    expect(() => walkForwardWindows(data, { inSampleDays: 30, outOfSampleDays: 5, anchored: false })).toThrow(
      WalkForwardError,
    );
    expect(() => walkForwardWindows(data, { inSampleDays: 30, outOfSampleDays: 5, anchored: false })).toThrow(
      /trading day\(s\) to trade.*one window needs 30 in sample \+ 5 out of sample = 35/,
    );
  });
});

describe('lab determinism', () => {
  const spec = parseGrid({
    parameters: { profileRows: [24, 48], stopBufferTicks: [4, 8] },
    objective: 'netPnl',
    constraints: ['trades >= 1'],
    walkForward: { inSampleDays: 1, outOfSampleDays: 1 },
    seed: 7,
  });
  const cells = labCells(spec);
  const pool = threadExecutor(syntheticData(), 2);
  afterAll(() => pool.close());

  it('the same grid and seed give byte-identical JSON, in one process and on worker threads', async () => {
    const data = syntheticData();
    const one = stableStringify(
      await runLab({ name: 't', spec, cells, data, executor: inlineExecutor(data) }),
    );
    const again = stableStringify(
      await runLab({ name: 't', spec, cells, data, executor: inlineExecutor(data) }),
    );
    const threads = stableStringify(await runLab({ name: 't', spec, cells, data, executor: pool }));
    expect(again).toBe(one);
    expect(threads).toBe(one);
    const report = JSON.parse(one);
    expect(report.cells).toHaveLength(4);
    expect(report.walkForward.windows.length).toBeGreaterThanOrEqual(2);
    expect(report.cells.some((c: { summary: CellSummary }) => c.summary.trades > 0)).toBe(true);
  }, 120_000);

  it('a cell that fails names itself', async () => {
    const data = syntheticData();
    const bad = { ...data, settings: { ...data.settings, cmeCalendar: true }, bars: data.bars };
    const shifted = { ...bad, alerts: bad.alerts.map((a) => ({ ...a, ts: Date.UTC(2099, 0, 5, 15) })) };
    await expect(
      runLab({
        name: 't',
        spec: { ...spec, walkForward: null },
        cells,
        data: shifted,
        executor: inlineExecutor(shifted),
      }),
    ).rejects.toThrow(/cell c0: .*calendar/i);
  });
});

describe('npm run lab', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/lab.ts', ...args], {
      cwd: repo,
      encoding: 'utf8',
    });
  const grid = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  it('refuses a bad grid before running anything, naming the field', () => {
    const r = run(['--data', synthetic, '--grid', grid('bad.json', { parameters: { profileRow: [24] } })]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/parameters\.profileRow: not a setting; did you mean profileRows/);
    expect(r.stderr).not.toMatch(/backtests on/);
  }, 60_000);

  it('refuses a sweep that would run too long, with the cell count and the estimate', () => {
    const big = grid('big.json', {
      parameters: {
        profileRows: { from: 10, to: 200, step: 1 },
        stopBufferTicks: { from: 1, to: 60, step: 1 },
      },
    });
    const r = run(['--data', synthetic, '--grid', big, '--max-time', '1m']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/11460 cell\(s\) = 11460 backtests on \d+ bars .*estimated/);
    expect(r.stderr).toMatch(
      /would run for about .*over --max-time 1m; narrow the ranges, sample with --random N/,
    );
  }, 60_000);

  it.skipIf(!haveData)(
    'runs on the shared ES data twice with the same grid and seed: byte-identical JSON (needs ../shared/data/market)',
    () => {
      const g = fileURLToPath(new URL('../../docs/lab-grid.example.json', import.meta.url));
      const outputs = [1, 2].map((i) => {
        const json = join(dir, `es-${i}.json`);
        const html = join(dir, `es-${i}.html`);
        const r = run([
          '--data',
          ES,
          '--grid',
          g,
          '--mc-runs',
          '500',
          '--json',
          json,
          '--html',
          html,
          '--workers',
          String(i),
        ]);
        expect(r.stderr).not.toMatch(/lab: the lab stopped/);
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(/walk-forward \(rolling: 3 days in sample, 1 out\)/);
        expect(readFileSync(html, 'utf8')).toMatch(/<svg/);
        return readFileSync(json, 'utf8');
      });
      expect(outputs[1]).toBe(outputs[0]);
      const report = JSON.parse(outputs[0]!);
      expect(report.format).toBe('valuearea-lab/1');
      expect(report.cells).toHaveLength(12);
      expect(
        report.cells.filter((c: { summary: CellSummary }) => c.summary.trades > 0).length,
      ).toBeGreaterThan(6);
    },
    180_000,
  );
});

describe('--no-guards (npm run backtest and npm run lab)', () => {
  it('leaves no loss limit at all: the Topstep profile’s own limit would still latch otherwise', () => {
    const named = resolveAccountRules(DEFAULT_SETTINGS);
    expect(named.maxLossLimit).toBeGreaterThan(0);
    const off = resolveAccountRules({ ...DEFAULT_SETTINGS, ...NO_GUARDS });
    expect(off.maxLossLimit).toBe(0);
    expect(off.profitTarget).toBeNull();
    expect({ ...DEFAULT_SETTINGS, ...NO_GUARDS }.dailyLossLimit).toBe(0);
    expect(off.startingBalance).toBe(DEFAULT_SETTINGS.startingBalance);
  });
});
