/**
 * Simulator benchmark (`npm run bench -- sim`):
 * - CSV parse speed (MB/s) against a naive split-based parse of the same file;
 * - bars/s end to end (CSV parse + replay + simulated exchange + the shared engine runtime) on
 *   1,000,000 synthetic one-minute bars with demo alerts every ALERT_EVERY bars, beside a plain loop
 *   doing the same parse, plans, fills and ladder over the same data;
 * - ticks/s end to end on synthetic tick prints, same comparison;
 * - peak memory (RSS, heap) sampled during the runs.
 * Absolute numbers depend on the machine and its load; the ratios are what to compare.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoSignals } from '../../sim/alerts.ts';
import { runBacktest } from '../../sim/backtest.ts';
import { loadBarsCsv, loadTicksCsv, naiveParseBars, parseBarsCsv } from '../../sim/csv.ts';
import { plainLoopBacktest } from '../../sim/plain-loop.ts';
import { barsFromTicks } from '../../sim/replay.ts';
import type { BenchFigure, BenchSuite } from './harness.ts';

const BARS = 1_000_000;
const TICKS = 1_000_000;
const ALERT_EVERY = 500;
const MINUTE = 60_000;
const T0 = Date.UTC(2015, 0, 5);
/**
 * The engine trades the whole run: guards off (they latch for good), no flat-by, no cooldown, so the
 * plain loop (which has none of these) sees the same alerts become the same trades.
 */
// Synthetic 2015 data, outside the CME calendar's years: the bench measures the pipe, not the rules.
const SETTINGS = {
  dailyLossLimit: 0,
  trailingDrawdown: 0,
  flatByTime: '',
  noNewEntriesAfter: '',
  cmeCalendar: false,
  cooldownMs: 0,
} as const;

/** Range-bound synthetic ES bars (sine mix, fixed formula): entries at the value-area edges fill often. */
function writeBars(path: string, count: number): void {
  const chunks: string[] = ['ts_utc,open,high,low,close,volume\n'];
  let previous = 4000;
  let block = '';
  for (let i = 0; i < count; i++) {
    const close =
      Math.round((4000 + 8 * Math.sin(i / 30) + 3 * Math.sin(i / 5.3) + 2 * Math.sin(i * 1.7)) * 4) / 4;
    const open = previous;
    const high = Math.max(open, close) + 0.25 * (1 + (i % 3));
    const low = Math.min(open, close) - 0.25 * (1 + ((i * 7) % 4));
    block += `${new Date(T0 + i * MINUTE).toISOString().replace('.000', '')},${open},${high},${low},${close},${100 + ((i * 37) % 400)}\n`;
    if (block.length > 1 << 20) {
      chunks.push(block);
      block = '';
    }
    previous = close;
  }
  chunks.push(block);
  writeFileSync(path, chunks.join(''));
}

/** Synthetic prints, about 6 per second, ms epoch times. */
function writeTicks(path: string, count: number): void {
  const chunks: string[] = ['epoch_ms,price,size\n'];
  let block = '';
  for (let i = 0; i < count; i++) {
    const price =
      Math.round((4000 + 8 * Math.sin(i / 1800) + 3 * Math.sin(i / 300) + Math.sin(i * 1.7)) * 4) / 4;
    block += `${T0 + i * 167},${price},${1 + (i % 5)}\n`;
    if (block.length > 1 << 20) {
      chunks.push(block);
      block = '';
    }
  }
  chunks.push(block);
  writeFileSync(path, chunks.join(''));
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

function time<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const value = fn();
  return [value, performance.now() - start];
}

export const suite: BenchSuite = {
  name: `simulator: CSV parse, replay through the engine runtime (${BARS.toLocaleString('en-US')} bars, ${TICKS.toLocaleString('en-US')} ticks)`,
  async run(): Promise<readonly BenchFigure[]> {
    const dir = mkdtempSync(join(tmpdir(), 'valuearea-bench-'));
    try {
      const barsPath = join(dir, 'ES_synthetic_1m.csv');
      const ticksPath = join(dir, 'ES_synthetic_ticks.csv');
      writeBars(barsPath, BARS);
      writeTicks(ticksPath, TICKS);
      const megabytes = statSync(barsPath).size / 1e6;
      const figures: BenchFigure[] = [];
      const memory = new PeakMemory();

      // 1. CSV parse: best of three each, same bytes.
      const bytes = readFileSync(barsPath);
      const text = bytes.toString('utf8');
      let fast = Number.POSITIVE_INFINITY;
      let naive = Number.POSITIVE_INFINITY;
      for (let r = 0; r < 3; r++) {
        fast = Math.min(fast, time(() => parseBarsCsv(bytes, { tickSize: 0.25 }))[1]);
        naive = Math.min(naive, time(() => naiveParseBars(text))[1]);
      }
      figures.push({
        name: `CSV parse, ${megabytes.toFixed(0)} MB of ISO-time bars`,
        value: megabytes / (fast / 1000),
        unit: 'MB/s',
        baseline: { name: 'naive split parse', value: megabytes / (naive / 1000) },
        note: `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores at start`,
      });

      // 2. Bars end to end: parse + alerts + replay + exchange + engine runtime.
      memory.sample();
      const [engineRun, engineMs] = time(() => {
        const bars = loadBarsCsv(barsPath, { tickSize: 0.25 });
        const alerts = demoSignals(bars, { symbol: 'ES', everyBars: ALERT_EVERY, barMs: MINUTE });
        let n = 0;
        return runBacktest({
          symbol: 'ES',
          bars,
          alerts,
          barMs: MINUTE,
          settings: SETTINGS,
          onProgress: () => {
            if (n++ % 10 === 0) memory.sample();
          },
        });
      });
      memory.sample();
      const [plain, plainMs] = time(() => {
        const bars = loadBarsCsv(barsPath, { tickSize: 0.25 });
        const alerts = demoSignals(bars, { symbol: 'ES', everyBars: ALERT_EVERY, barMs: MINUTE });
        return plainLoopBacktest('ES', bars, alerts, MINUTE, SETTINGS);
      });
      figures.push({
        name: `bars end to end, engine runtime, alert every ${ALERT_EVERY} bars`,
        value: BARS / (engineMs / 1000),
        unit: 'bars/s',
        baseline: { name: 'plain loop', value: BARS / (plainMs / 1000) },
        note: `floor 500,000; trades ${engineRun.trades.length} vs plain ${plain.trades}, alerts ${engineRun.stats.alerts}`,
      });
      figures.push({
        name: 'engine runtime cost per alert above the plain loop',
        value: (engineMs - plainMs) / Math.max(1, engineRun.stats.alerts),
        unit: 'ms/alert',
        note: 'XState engine + position actors + broker round trips',
      });

      // 2b. The same with ten times fewer alerts: where the per-bar cost shows.
      const [sparseRun, sparseMs] = time(() => {
        const sparseBars = loadBarsCsv(barsPath, { tickSize: 0.25 });
        const alerts = demoSignals(sparseBars, { symbol: 'ES', everyBars: ALERT_EVERY * 10, barMs: MINUTE });
        return runBacktest({ symbol: 'ES', bars: sparseBars, alerts, barMs: MINUTE, settings: SETTINGS });
      });
      const [, sparsePlainMs] = time(() => {
        const sparseBars = loadBarsCsv(barsPath, { tickSize: 0.25 });
        const alerts = demoSignals(sparseBars, { symbol: 'ES', everyBars: ALERT_EVERY * 10, barMs: MINUTE });
        return plainLoopBacktest('ES', sparseBars, alerts, MINUTE, SETTINGS);
      });
      figures.push({
        name: `bars end to end, engine runtime, alert every ${ALERT_EVERY * 10} bars`,
        value: BARS / (sparseMs / 1000),
        unit: 'bars/s',
        baseline: { name: 'plain loop', value: BARS / (sparsePlainMs / 1000) },
        note: `floor 500,000; trades ${sparseRun.trades.length}`,
      });

      // 3. The replay without alerts: what the clock + exchange + band routing cost per bar.
      const bars = loadBarsCsv(barsPath, { tickSize: 0.25 });
      const [, quietMs] = time(() =>
        runBacktest({ symbol: 'ES', bars, alerts: [], barMs: MINUTE, settings: SETTINGS }),
      );
      const [, quietPlainMs] = time(() => plainLoopBacktest('ES', bars, [], MINUTE, SETTINGS));
      figures.push({
        name: 'bars, replay only (no alerts, data already loaded)',
        value: BARS / (quietMs / 1000),
        unit: 'bars/s',
        baseline: { name: 'plain loop', value: BARS / (quietPlainMs / 1000) },
      });

      // 4. Ticks end to end.
      const [tickRun, tickMs] = time(() => {
        const ticks = loadTicksCsv(ticksPath, { tickSize: 0.25 });
        const tickBars = barsFromTicks(ticks, MINUTE);
        const alerts = demoSignals(tickBars, {
          symbol: 'ES',
          everyBars: Math.ceil(ALERT_EVERY / 10),
          barMs: MINUTE,
        });
        return runBacktest({
          symbol: 'ES',
          bars: tickBars,
          ticks,
          alerts,
          barMs: MINUTE,
          policy: 'ticks',
          settings: SETTINGS,
          onProgress: memory.sample,
        });
      });
      const [tickPlain, tickPlainMs] = time(() => {
        const ticks = loadTicksCsv(ticksPath, { tickSize: 0.25 });
        const tickBars = barsFromTicks(ticks, MINUTE);
        const alerts = demoSignals(tickBars, {
          symbol: 'ES',
          everyBars: Math.ceil(ALERT_EVERY / 10),
          barMs: MINUTE,
        });
        return plainLoopBacktest('ES', tickBars, alerts, MINUTE, SETTINGS, 1, ticks);
      });
      figures.push({
        name: `ticks end to end, engine runtime, alert every ${Math.ceil(ALERT_EVERY / 10)} minutes`,
        value: TICKS / (tickMs / 1000),
        unit: 'ticks/s',
        baseline: { name: 'plain loop', value: TICKS / (tickPlainMs / 1000) },
        note: `trades ${tickRun.trades.length} vs plain ${tickPlain.trades}`,
      });

      memory.sample();
      figures.push({ name: 'peak RSS during the runs', value: memory.rss / 1e6, unit: 'MB' });
      figures.push({ name: 'peak heap used during the runs', value: memory.heap / 1e6, unit: 'MB' });
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
