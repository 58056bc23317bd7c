/**
 * Strategy lab benchmark (`npm run bench -- lab`): one year of synthetic 1-minute ES bars over CME
 * trading hours (a seeded random walk, 360,180 bars) with an alert every ALERT_EVERY bars, and a
 * grid of 200 cells:
 * - a lone backtest: the first cell's `runCell` in this process before any other cell ran;
 * - the 200 cells one after the other in this process (`inlineExecutor`): the baseline;
 * - the same cells on `threadExecutor` with one worker per core, cells/s and speed-up against the
 *   baseline, and the cost per cell (wall × workers ÷ cells) against the lone backtest;
 * - CPU time per cell (the whole process, every thread) beside the lone backtest's: on a loaded
 *   machine wall time stretches, CPU time much less, so it shows whether threads add work per cell;
 * - peak memory (RSS, heap) of this process during each run.
 * The thread results must equal the inline ones (JSON-equal); if not, the bench exits with 1.
 * Absolute numbers depend on the machine and its load; the ratios are what to compare.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { demoSignals } from '../../sim/alerts.ts';
import { NO_GUARDS } from '../../sim/backtest.ts';
import type { BarSeries } from '../../sim/csv.ts';
import { type CellResult, type CellTask, type LabData, runCell } from '../../sim/lab/cell.ts';
import { inlineExecutor, type LabExecutor } from '../../sim/lab/executor.ts';
import { labCells, parseGrid } from '../../sim/lab/grid.ts';
import { threadExecutor } from '../../sim/lab/threads.ts';
import { mulberry32 } from '../../sim/random.ts';
import { HistoryCache } from '../../sim/replay.ts';
import { CME_ZONE, localTime } from '../../src/domain/session-time.ts';
import type { BenchFigure, BenchSuite } from './harness.ts';

const MINUTE = 60_000;
const TICK = 0.25;
const ALERT_EVERY = 500;
const YEAR = 2025;
const SEED = 20_250_101;

/** 5 × 4 × 5 × 2 = 200 cells. */
export const LAB_GRID = parseGrid(
  {
    parameters: {
      profileRows: [16, 24, 32, 48, 64],
      valueAreaPercent: [60, 70, 80, 90],
      stopBufferTicks: [2, 4, 8, 12, 16],
      entryTimeoutMs: [900_000, 1_800_000],
    },
    // Guards off (they latch for good on a long run): custom account rules, so trailingDrawdown 0
    // turns the Maximum Loss Limit off too (combine-50k keeps its own).
    settings: { ...NO_GUARDS },
  },
  'lab bench grid',
);

/** Monte Carlo of each cell's Combine verdict (the lab's default is 10,000 runs). */
export const LAB_MONTE_CARLO = { runs: 10_000, seed: 1 } as const;

/** Globex equity hours: Sunday 17:00 to Friday 16:00 Chicago, with the 16:00–17:00 break. */
function globexOpen(ts: number): boolean {
  const t = localTime(ts, CME_ZONE);
  const m = t.minutesOfDay;
  if (t.weekday === 6) return false;
  if (t.weekday === 0) return m >= 17 * 60;
  if (t.weekday === 5) return m < 16 * 60;
  return m < 16 * 60 || m >= 17 * 60;
}

/**
 * One year of 1-minute ES bars over Globex hours: a seeded random walk in ticks, pulled back toward
 * a slowly wandering centre so the price keeps revisiting its value areas; volume heavier near the
 * centre. Same seed, same bars.
 */
export function randomWalkBars(year = YEAR, seed = SEED): BarSeries {
  const from = Date.UTC(year, 0, 1);
  const to = Date.UTC(year + 1, 0, 1);
  const capacity = (to - from) / MINUTE;
  const ts = new Float64Array(capacity);
  const open = new Float64Array(capacity);
  const high = new Float64Array(capacity);
  const low = new Float64Array(capacity);
  const close = new Float64Array(capacity);
  const volume = new Float64Array(capacity);
  const rnd = mulberry32(seed);
  let centre = 20_000; // ticks: 5000.00
  let last = centre;
  let n = 0;
  for (let t = from; t < to; t += MINUTE) {
    if (!globexOpen(t)) continue;
    centre += Math.round((rnd() - 0.5) * 2.2);
    const pull = Math.round((centre - last) * 0.03);
    const move = pull + Math.round((rnd() + rnd() + rnd() - 1.5) * 6);
    const o = last;
    const c = o + move;
    const h = Math.max(o, c) + Math.floor(rnd() * 4);
    const l = Math.min(o, c) - Math.floor(rnd() * 4);
    const distance = Math.abs(c - centre);
    ts[n] = t;
    open[n] = o * TICK;
    high[n] = h * TICK;
    low[n] = l * TICK;
    close[n] = c * TICK;
    volume[n] = Math.round(100 + 900 * Math.exp(-(distance * distance) / 800) + rnd() * 200);
    last = c;
    n++;
  }
  return {
    kind: 'bars',
    source: `synthetic ES ${year} random walk (seed ${seed})`,
    length: n,
    ts: ts.slice(0, n),
    open: open.slice(0, n),
    high: high.slice(0, n),
    low: low.slice(0, n),
    close: close.slice(0, n),
    volume: volume.slice(0, n),
  };
}

export function labBenchData(bars = randomWalkBars()): LabData {
  return {
    symbol: 'ES',
    bars,
    alerts: demoSignals(bars, { symbol: 'ES', everyBars: ALERT_EVERY, barMs: MINUTE }),
    barMs: MINUTE,
    startTs: null,
    policy: 'conservative',
    settings: LAB_GRID.settings,
    exchange: {},
    monteCarlo: LAB_MONTE_CARLO,
  };
}

export function labBenchTasks(): CellTask[] {
  return labCells(LAB_GRID).map((c) => ({
    key: `c${c.index}`,
    cell: c.index,
    values: c.values,
    window: null,
    keepTrades: false,
  }));
}

class PeakMemory {
  rss = 0;
  heap = 0;
  sample = (): void => {
    const m = process.memoryUsage();
    if (m.rss > this.rss) this.rss = m.rss;
    if (m.heapUsed > this.heap) this.heap = m.heapUsed;
  };
}

/** CPU time of the whole process (every thread), ms. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Timed {
  readonly results: CellResult[];
  readonly wallMs: number;
  /** CPU time of the process over the run (every thread): unlike wall time, not stretched by load. */
  readonly cpuMs: number;
}

/** Runs the tasks on the executor, sampling memory every 100 ms. */
async function timed(executor: LabExecutor, tasks: readonly CellTask[], memory: PeakMemory): Promise<Timed> {
  memory.sample();
  const timer = setInterval(memory.sample, 100);
  const progress = (_r: CellResult, done: number, total: number) => {
    memory.sample();
    if (done % 50 === 0 || done === total)
      process.stderr.write(`  ${executor.name}: ${done}/${total} cells\n`);
  };
  try {
    const start = performance.now();
    const cpuStart = cpuMs();
    const results = await executor.run(tasks, progress);
    const wallMs = performance.now() - start;
    const cpu = cpuMs() - cpuStart;
    memory.sample();
    return { results, wallMs, cpuMs: cpu };
  } finally {
    clearInterval(timer);
  }
}

/** The first cell whose result differs between the two runs, or null when every one is equal. */
function firstDifference(a: readonly CellResult[], b: readonly CellResult[]): string | null {
  if (a.length !== b.length) return `${a.length} results vs ${b.length}`;
  for (let i = 0; i < a.length; i++)
    if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) return `cell ${a[i]!.key}`;
  return null;
}

const mb = (bytes: number) => bytes / 1e6;

export const suite: BenchSuite = {
  name: `strategy lab: ${labCells(LAB_GRID).length} cells over one year of 1-minute ES bars, one process vs worker threads`,
  async run(): Promise<readonly BenchFigure[]> {
    const load = `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores at start`;
    const data = labBenchData();
    const tasks = labBenchTasks();
    const workers = availableParallelism();
    const figures: BenchFigure[] = [];
    process.stderr.write(
      `  ${data.bars.length.toLocaleString('en-US')} bars, ${data.alerts.length} alerts, ${tasks.length} cells, ${workers} workers\n`,
    );

    // (a) A lone backtest: the first cell in a fresh engine (nothing has run in this process yet).
    const loneStart = performance.now();
    const loneCpuStart = cpuMs();
    const lone = runCell(data, tasks[0]!);
    const loneMs = performance.now() - loneStart;
    const loneCpuMs = cpuMs() - loneCpuStart;
    figures.push({
      name: 'lone backtest (one cell, fresh process)',
      value: loneMs / 1000,
      unit: 's',
      note: `${load}; ${data.bars.length.toLocaleString('en-US')} bars, ${data.alerts.length} alerts, trades ${lone.summary.trades}, Monte Carlo ${data.monteCarlo.runs} runs`,
    });

    // (b) The baseline: every cell one after the other in this process.
    const inlineMemory = new PeakMemory();
    // With the profile history built once, as each worker thread has it (the lone run above had none).
    const inlineRun = await timed(
      inlineExecutor({ ...data, history: new HistoryCache(data.bars) }),
      tasks,
      inlineMemory,
    );
    const inline = inlineRun.results;
    const inlineMs = inlineRun.wallMs;
    const inlineLoad = loadavg()[0]!.toFixed(1);
    const inlineRate = tasks.length / (inlineMs / 1000);

    // (c) The same cells on worker threads sharing the bars.
    const threadMemory = new PeakMemory();
    const executor = threadExecutor(data, workers);
    let threadRun: Timed;
    let threadLoad: string;
    try {
      threadRun = await timed(executor, tasks, threadMemory);
      threadLoad = loadavg()[0]!.toFixed(1);
    } finally {
      await executor.close();
    }
    const threaded = threadRun.results;
    const threadMs = threadRun.wallMs;
    const threadRate = tasks.length / (threadMs / 1000);
    const trading = inline.filter((r) => r.summary.trades > 0).length;
    const trades = inline.map((r) => r.summary.trades);

    figures.push({
      name: 'cells, one process (inlineExecutor)',
      value: inlineRate,
      unit: 'cells/s',
      note: `${(inlineMs / 1000).toFixed(1)} s, load ${inlineLoad} at the end; ${trading}/${tasks.length} cells trade, ${Math.min(...trades)}–${Math.max(...trades)} trades a cell`,
    });
    figures.push({
      name: `cells, ${workers} worker threads (threadExecutor)`,
      value: threadRate,
      unit: 'cells/s',
      baseline: { name: 'one process', value: inlineRate },
      note: `${(threadMs / 1000).toFixed(1)} s, load ${threadLoad} at the end (this run adds ${workers}); floor 1.7× on 2 cores`,
    });
    const perCell = (threadMs * workers) / tasks.length / 1000;
    figures.push({
      name: 'cost per cell on threads (wall × workers ÷ cells)',
      value: perCell,
      unit: 's',
      baseline: { name: 'lone backtest', value: loneMs / 1000 },
      note: 'floor: no slower than the lone backtest (≤ 1.00×)',
    });
    figures.push({
      name: 'cost per cell in one process (wall ÷ cells)',
      value: inlineMs / tasks.length / 1000,
      unit: 's',
      baseline: { name: 'lone backtest', value: loneMs / 1000 },
    });
    figures.push({
      name: 'CPU per cell on threads (process CPU ÷ cells)',
      value: threadRun.cpuMs / tasks.length / 1000,
      unit: 's',
      baseline: { name: 'lone backtest', value: loneCpuMs / 1000 },
      note: 'CPU time is not stretched by other load; worker start-up included',
    });
    figures.push({
      name: 'CPU per cell in one process (process CPU ÷ cells)',
      value: inlineRun.cpuMs / tasks.length / 1000,
      unit: 's',
      baseline: { name: 'lone backtest', value: loneCpuMs / 1000 },
    });
    figures.push({ name: 'peak RSS, one process', value: mb(inlineMemory.rss), unit: 'MB' });
    figures.push({ name: 'peak heap used, one process', value: mb(inlineMemory.heap), unit: 'MB' });
    figures.push({
      name: `peak RSS, ${workers} worker threads (whole process)`,
      value: mb(threadMemory.rss),
      unit: 'MB',
      baseline: { name: 'one process', value: mb(inlineMemory.rss) },
    });
    figures.push({
      name: 'peak heap used, main thread during the threaded run',
      value: mb(threadMemory.heap),
      unit: 'MB',
      note: "workers' heaps are not counted here (they are inside the RSS)",
    });

    const difference =
      firstDifference(inline, threaded) ??
      firstDifference([lone], inline.slice(0, 1))?.replace('cell', 'lone') ??
      null;
    figures.push({
      name: 'thread results equal the inline results (JSON)',
      value: difference === null ? 1 : 0,
      unit: difference === null ? 'yes' : 'NO',
      note:
        difference === null
          ? `${tasks.length} cells compared, and the lone run with its inline cell`
          : `first difference: ${difference}`,
    });
    if (difference !== null) {
      console.error(`lab bench: the thread results differ from the inline results (${difference})`);
      process.exitCode = 1;
    }
    return figures;
  },
};
