/**
 * Benchmark harness. Every figure is printed beside a baseline measured in the same run, as a ratio,
 * because absolute numbers depend on the machine. Benchmarks never run inside `npm test`.
 */

export interface BenchFigure {
  /** What was measured, e.g. "position machine, ticks through actor". */
  readonly name: string;
  readonly value: number;
  /** Unit of value, e.g. "events/s", "bars/s", "MB". */
  readonly unit: string;
  /** The same-run baseline this figure is compared with. */
  readonly baseline?: { readonly name: string; readonly value: number };
  /** Free text shown after the figure (floor, notes). */
  readonly note?: string;
}

export interface BenchSuite {
  readonly name: string;
  run(): Promise<readonly BenchFigure[]>;
}

/** Runs fn repeatedly for at least minMs and returns operations per second (ops = fn's return value). */
export function measureRate(fn: () => number, minMs = 500): number {
  fn(); // warm-up
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    ops += fn();
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (ops / elapsed) * 1000;
}

export function formatFigure(f: BenchFigure): string {
  const value = formatNumber(f.value);
  let line = `  ${f.name.padEnd(58)} ${value.padStart(14)} ${f.unit}`;
  if (f.baseline) {
    const ratio = f.value / f.baseline.value;
    line += `   (${formatRatio(ratio)} of ${f.baseline.name}: ${formatNumber(f.baseline.value)} ${f.unit})`;
  }
  if (f.note) line += `   ${f.note}`;
  return line;
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(3);
}

function formatRatio(r: number): string {
  return r >= 0.1 ? `${r.toFixed(2)}×` : `1/${(1 / r).toFixed(0)}`;
}
