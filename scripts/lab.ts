/**
 * `npm run lab -- --data <csv> --grid grid.json [options]`: the strategy lab. Sweeps the settings a
 * grid file declares, each cell the same engine backtest as `npm run backtest`, on every core (or
 * through a PostgreSQL job queue on several machines), ranks the cells by an objective under
 * constraints, optionally walks forward, and writes JSON and HTML reports.
 * Exit codes: 0 done, 1 bad input or failure, 2 usage shown.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { NO_GUARDS } from '../sim/backtest.ts';
import { type LabData, runCell } from '../sim/lab/cell.ts';
import { inlineExecutor, type LabExecutor } from '../sim/lab/executor.ts';
import { GRID_EXAMPLE, GridError, gridSize, type LabSpec, labCells, loadGrid } from '../sim/lab/grid.ts';
import { labHtmlReport } from '../sim/lab/html.ts';
import { plannedRuns, runLab, WalkForwardError, walkForwardWindows } from '../sim/lab/lab.ts';
import { type LabSource, loadLabData, sha256File } from '../sim/lab/source.ts';
import { labTerminalReport, progressReporter } from '../sim/lab/terminal.ts';
import { defaultWorkers, threadExecutor } from '../sim/lab/threads.ts';
import { PATH_POLICIES, type PathPolicy } from '../sim/path.ts';
import { stableStringify } from '../sim/report/json.ts';
import { guessSymbol, parseUtcDate } from '../sim/symbol-guess.ts';
import { getInstrument, SUPPORTED_SYMBOLS } from '../src/domain/instruments.ts';
import { formatDuration } from '../src/domain/session-time.ts';

const USAGE = `valuearea lab: sweep strategy settings over market data and alerts, rank them, walk forward.

Usage:
  npm run lab -- --data <bars.csv> --grid <grid.json> [options]
  npm run lab -- --worker --queue <postgres-url>        (a queue worker, on any machine)

Examples:
  npm run lab -- --data ../shared/data/market/ES_ESZ13_1m_2013-10-06_2013-10-14_utc.csv --grid docs/lab-grid.example.json
  npm run lab -- --data es.csv --alerts alerts.json --grid grid.json --random 50 --html lab.html

Options:
  --data <csv>        OHLCV 1-minute bars (as npm run backtest reads them)
  --alerts <file>     JSON or CSV alerts, or a TradingView "List of trades" export
                      (default: the built-in demo signals, as in npm run backtest)
  --grid <json>       the settings to sweep, the objective, constraints, walk-forward (docs/lab.md)
  --random <n>        sample n distinct cells of the grid (seeded) instead of all of them
  --seed <s>          seed of the random search and the Monte Carlo (default: the grid's, else 1)
  --symbol <root>     ${SUPPORTED_SYMBOLS.join(', ')} (default: guessed from the file name)
  --from <date>       trade from this UTC date or date-time; earlier bars are profile history
  --to <date>         end (exclusive)
  --tz <zone>         time zone of naive timestamps in the files (default UTC)
  --path <policy>     intrabar path: conservative (default), direction
  --slippage <ticks>  market and stop fills, ticks against you (default 1)
  --fill-on-touch     limits fill when price touches them (default: must trade through)
  --no-guards         no daily or trailing loss limit: custom account rules (as in npm run backtest;
                      the pass probability is then 0: custom rules have no profit target)
  --mc-runs <n>       Monte Carlo runs per cell for the pass probability (default 2000)
  --demo-period <n>   moving average length of the demo signals (default 60 bars)
  --workers <n>       worker threads (default: one per core, here ${defaultWorkers()})
  --queue <url>       run the cells through the PostgreSQL job queue at this database
                      (workers anywhere run: npm run lab -- --worker --queue <url>)
  --work <n>          with --queue: cells this process works on at once itself (default 1, 0 = none)
  --worker            be a queue worker (with --queue); --idle-exit <s> stops after s idle seconds
  --json <file>       the JSON report (default reports/<grid name>-lab.json)
  --html <file>       the HTML report (default reports/<grid name>-lab.html)
  --max-time <dur>    refuse to start when the estimate is longer (default 2h; e.g. 30m, 8h)
  --yes               start however long the estimate is
  --no-color          plain text
  -h, --help          this text

Exit codes: 0 done, 1 bad input or failure, 2 usage shown.`;

function fail(message: string): never {
  process.stderr.write(`lab: ${message}\n`);
  process.exit(1);
}

function parseDate(flag: string, text: string | undefined): number | null {
  if (text === undefined) return null;
  const ts = parseUtcDate(text);
  if (ts === null) fail(`${flag} "${text}" is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)`);
  return ts;
}

function wholeNumber(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!(/^\d+$/.test(text) && n >= min && n <= max))
    fail(`${flag} "${text}" must be a whole number from ${min} to ${max}`);
  return n;
}

/** "30m", "2h", "1d", "90s" → ms. */
function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) fail(`${flag} "${text}" is not a duration; write e.g. 30m, 2h or 1d`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      data: { type: 'string' },
      alerts: { type: 'string' },
      grid: { type: 'string' },
      random: { type: 'string' },
      seed: { type: 'string' },
      symbol: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      tz: { type: 'string' },
      path: { type: 'string' },
      slippage: { type: 'string' },
      'fill-on-touch': { type: 'boolean' },
      'no-guards': { type: 'boolean' },
      'mc-runs': { type: 'string' },
      'demo-period': { type: 'string' },
      workers: { type: 'string' },
      queue: { type: 'string' },
      work: { type: 'string' },
      worker: { type: 'boolean' },
      'idle-exit': { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      'max-time': { type: 'string' },
      yes: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function worker(url: string, idleExit: number | undefined): Promise<void> {
  const { runQueueWorker } = await import('../sim/lab/queue.ts');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const { done } = await runQueueWorker({
    connectionString: url,
    ...(idleExit === undefined ? {} : { idleExitSeconds: idleExit }),
    onLog: (line) => process.stdout.write(`${line}\n`),
    signal: controller.signal,
  });
  process.stdout.write(`lab worker: stopped after ${done} cell(s)\n`);
}

type Values = ReturnType<typeof parse>['values'];

interface Prepared {
  readonly spec: LabSpec;
  readonly cells: ReturnType<typeof labCells>;
  readonly source: LabSource;
  readonly lookbacks: readonly number[];
  readonly data: LabData;
}

/** The grid, the cells and the data, each checked with the field and the fix named. */
function prepare(v: Values, dataPath: string, gridPath: string): Prepared {
  let spec: LabSpec;
  let cells: ReturnType<typeof labCells>;
  try {
    spec = loadGrid(gridPath);
    const seed = wholeNumber('--seed', v.seed, 0, 0xffffffff);
    const random = wholeNumber('--random', v.random, 1, 10_000_000);
    spec = { ...spec, ...(seed === undefined ? {} : { seed }), ...(random === undefined ? {} : { random }) };
    cells = labCells(spec);
  } catch (error) {
    if (error instanceof GridError) fail(error.message);
    throw error;
  }
  const symbol = (v.symbol ?? guessSymbol(dataPath))?.toUpperCase();
  if (symbol === undefined)
    fail(
      `cannot tell the symbol from "${basename(dataPath)}"; pass --symbol (one of ${SUPPORTED_SYMBOLS.join(', ')})`,
    );
  if (getInstrument(symbol) === undefined)
    fail(`--symbol "${symbol}" is not supported; use one of ${SUPPORTED_SYMBOLS.join(', ')}`);
  const policy = (v.path ?? 'conservative') as PathPolicy;
  if (!PATH_POLICIES.includes(policy) || policy === 'ticks')
    fail(`--path "${v.path}" is not a bar policy; use conservative or direction`);
  const slippage = wholeNumber('--slippage', v.slippage, 0, 1000);
  const lookbacks = spec.parameters
    .filter((p) => p.name === 'profileLookbackMinutes')
    .flatMap((p) => p.values.map(Number));
  try {
    const source: LabSource = {
      data: dataPath,
      dataSha256: sha256File(dataPath, '--data'),
      alerts: v.alerts ?? null,
      alertsSha256: v.alerts === undefined ? null : sha256File(v.alerts, '--alerts'),
      symbol,
      timeZone: v.tz ?? null,
      from: parseDate('--from', v.from),
      to: parseDate('--to', v.to),
      demoPeriod: wholeNumber('--demo-period', v['demo-period'], 2, 100_000) ?? 60,
      policy,
      settings: { ...spec.settings, ...(v['no-guards'] ? NO_GUARDS : {}) },
      exchange: {
        ...(slippage === undefined ? {} : { slippageTicks: slippage }),
        fillOnTouch: v['fill-on-touch'] ?? false,
      },
      monteCarlo: { runs: wholeNumber('--mc-runs', v['mc-runs'], 1, 1_000_000) ?? 2000, seed: spec.seed },
    };
    return { spec, cells, source, lookbacks, data: loadLabData(source, { lookbacks }) };
  } catch (error) {
    fail((error as Error).message);
  }
}

/** Times one cell, prints the plan and refuses a sweep estimated over --max-time; returns ms per cell. */
function estimate(v: Values, p: Prepared, parallel: number): { runs: number; perRun: number } {
  let windows = 0;
  try {
    windows = p.spec.walkForward ? walkForwardWindows(p.data, p.spec.walkForward).length : 0;
  } catch (error) {
    if (error instanceof WalkForwardError) fail(error.message);
    throw error;
  }
  const runs = plannedRuns(p.cells.length, windows);
  const first = p.cells[0]!;
  const t0 = performance.now();
  try {
    runCell(p.data, {
      key: 'estimate',
      cell: first.index,
      values: first.values,
      window: null,
      keepTrades: false,
    });
  } catch (error) {
    fail(`the first cell (${first.label}) stopped: ${(error as Error).message}`);
  }
  const perRun = performance.now() - t0;
  // Walk-forward runs cover part of the data; each is counted as a full run (an over-estimate).
  const total = (runs * perRun) / parallel;
  const grid = gridSize(p.spec);
  process.stderr.write(
    `lab: ${p.cells.length} cell(s)${p.cells.length < grid ? ` sampled of ${grid}` : ''}` +
      `${windows > 0 ? ` × (1 sweep + ${windows} walk-forward windows) + ${windows} out-of-sample runs` : ''} = ${runs} backtests on ` +
      `${p.data.bars.length} bars and ${p.data.alerts.length} alerts; one took ${perRun < 1000 ? `${Math.round(perRun)} ms` : formatDuration(perRun)}; ` +
      `estimated ${formatDuration(total)} on ${v.queue === undefined ? `${parallel} worker thread(s)` : `${parallel} local worker(s) plus the queue's`}\n`,
  );
  const maxTime = parseDuration('--max-time', v['max-time'] ?? '2h');
  if (total > maxTime && !v.yes)
    fail(
      `this sweep would run for about ${formatDuration(total)}, over --max-time ${formatDuration(maxTime)}; ` +
        'narrow the ranges, sample with --random N, add workers, or pass --yes (or a longer --max-time) to run it anyway',
    );
  return { runs, perRun };
}

async function executorFor(
  v: Values,
  p: Prepared,
  workers: number,
  work: number,
  perRun: number,
): Promise<LabExecutor> {
  if (v.queue === undefined) return workers === 1 ? inlineExecutor(p.data) : threadExecutor(p.data, workers);
  const { queueExecutor } = await import('../sim/lab/queue.ts');
  const sweepId = createHash('sha256')
    .update(stableStringify({ source: p.source, spec: p.spec, cells: p.cells.map((c) => c.index) }, 0))
    .digest('hex')
    .slice(0, 16);
  process.stderr.write(
    `lab: sweep ${sweepId} queued; workers elsewhere: npm run lab -- --worker --queue <url>\n`,
  );
  return queueExecutor({
    connectionString: v.queue,
    source: p.source,
    lookbacks: p.lookbacks,
    sweepId,
    work,
    // A cell is retried elsewhere only when its worker is surely gone: ten times the measured cell time.
    expireInSeconds: Math.max(600, Math.ceil((perRun * 10) / 1000)),
  });
}

async function main(argv: string[]): Promise<void> {
  if (argv.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(2);
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`lab: ${(error as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const idleExit = wholeNumber('--idle-exit', v['idle-exit'], 1, 86_400);
  if (v.worker) {
    if (v.queue === undefined)
      fail('--worker needs --queue <postgres-url>: the database the sweep was queued on');
    return worker(v.queue, idleExit);
  }
  if (v.data === undefined) fail('--data <csv> is required (1-minute bars); run with --help for the options');
  if (v.grid === undefined) fail(`--grid <json> is required: the settings to sweep, e.g.\n${GRID_EXAMPLE}`);
  const workers = wholeNumber('--workers', v.workers, 1, 1024) ?? defaultWorkers();
  const work = wholeNumber('--work', v.work, 0, 1024) ?? 1;
  const prepared = prepare(v, v.data, v.grid);
  const { runs, perRun } = estimate(v, prepared, v.queue === undefined ? workers : Math.max(1, work));

  const name = `${basename(v.grid).replace(/\.json$/i, '')}-lab`;
  const executor = await executorFor(v, prepared, workers, work, perRun);
  const started = performance.now();
  let report: Awaited<ReturnType<typeof runLab>>;
  try {
    report = await runLab({
      name,
      spec: prepared.spec,
      cells: prepared.cells,
      data: prepared.data,
      executor,
      onProgress: progressReporter(process.stderr, () => performance.now()),
    });
  } catch (error) {
    if (process.env.BACKTEST_DEBUG) console.error(error);
    fail(`the lab stopped: ${(error as Error).message}`);
  } finally {
    await executor.close();
  }
  const wall = performance.now() - started;
  process.stdout.write(labTerminalReport(report));
  process.stdout.write(
    `\n  ${runs} backtests in ${formatDuration(wall)} on ${executor.name} (${((runs / wall) * 1000).toFixed(1)} backtests/s)\n`,
  );
  const jsonPath = v.json ?? join('reports', `${name}.json`);
  const htmlPath = v.html ?? join('reports', `${name}.html`);
  for (const path of [jsonPath, htmlPath]) mkdirSync(dirname(path), { recursive: true });
  writeFileSync(jsonPath, `${stableStringify(report)}\n`);
  writeFileSync(htmlPath, labHtmlReport(report));
  process.stdout.write(
    `JSON report: ${jsonPath}\nHTML report: ${htmlPath} (self-contained, opens offline)\n`,
  );
}

main(process.argv.slice(2)).then(
  () => {
    // Worker threads and pg pools are closed; exit now rather than wait for idle timers.
    process.exit(0);
  },
  (error: unknown) => fail(error instanceof Error ? error.message : String(error)),
);
