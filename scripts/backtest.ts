/**
 * `npm run backtest -- --data <csv> [options]`: replay bars (or ticks) through the live engine on a
 * virtual clock against the simulated exchange, then print the report.
 * Exit codes: 0 done, 1 bad input or failure, 2 usage shown (no arguments or an unknown option).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { alertsFromRecords, type BacktestAlert, demoSignals, loadAlertFile } from '../sim/alerts.ts';
import { NO_GUARDS, runBacktest } from '../sim/backtest.ts';
import {
  type BarSeries,
  loadMarketCsv,
  loadTicksCsv,
  sliceBars,
  sliceTicks,
  type TickSeries,
} from '../sim/csv.ts';
import { inferBarMs, PATH_POLICIES, type PathPolicy } from '../sim/path.ts';
import { barsFromTicks } from '../sim/replay.ts';
import { htmlReport } from '../sim/report/html.ts';
import { jsonReport } from '../sim/report/json.ts';
import { colorWanted, terminalReport } from '../sim/report/terminal.ts';
import { guessSymbol, parseUtcDate } from '../sim/symbol-guess.ts';
import { createStore, storeConfigFromEnv } from '../src/adapters/store/factory.ts';
import { rowToAlert } from '../src/adapters/store/rows.ts';
import { SqlStore } from '../src/adapters/store/sql-store.ts';
import { getInstrument, SUPPORTED_SYMBOLS } from '../src/domain/instruments.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../src/domain/settings.ts';
import { parseSettingsPatch, SettingsError } from '../src/settings/schema.ts';

const USAGE = `valuearea backtest: replay market data through the trading engine and report the result.

Usage:
  npm run backtest -- --data <bars-or-ticks.csv> [options]

Examples:
  npm run backtest -- --data ../shared/data/market/ES_ESZ13_1m_2013-10-06_2013-10-14_utc.csv
  npm run backtest -- --data my-nq-bars.csv --symbol NQ --alerts alerts.json --html report.html

Options:
  --data <csv>        OHLCV bars or tick prints (columns found by header: time/ts_utc/epoch_s…,
                      open, high, low, close, volume | price, size)
  --alerts <file>     JSON or CSV alerts, or a TradingView "List of trades" export.
  --alerts db         the alerts stored in the bot's database (DATABASE_URL, or the embedded one)
                      that fall inside the data's time range.
                      Without it the built-in demo signals run (close crossing its moving average).
  --symbol <root>     ${SUPPORTED_SYMBOLS.join(', ')} (default: guessed from the file name)
  --from <date>       start, ISO date or date-time in UTC (e.g. 2013-10-08 or 2013-10-08T13:30Z)
  --to <date>         end (exclusive)
  --ticks <csv>       tick prints to use inside the bars they cover (with --path ticks)
  --path <policy>     intrabar path: conservative (default), direction, ticks
  --tz <zone>         time zone of naive timestamps in the files (default UTC), e.g. America/New_York
  --demo-period <n>   moving average length of the demo signals (default 60 bars)
  --settings <json>   bot settings to override, e.g. {"riskPerTrade":250,"profileLookbackMinutes":120}
                      (a JSON file path or inline JSON; keys as in src/domain/settings.ts)
  --no-guards         turn the daily-loss and trailing loss limits off (they latch until a manual
                      reset, which a backtest never gives: the rest of the run is refused); the
                      account rules become custom, with no loss limit and no profit target
  --slippage <ticks>  market and stop fills, ticks against you (default 1)
  --fill-on-touch     limits fill when price touches them (default: must trade through)
  --mc-runs <n>       Monte Carlo runs of the Combine verdict (bootstrap of days; default 10000)
  --mc-seed <s>       its seed, a whole number 0…4294967295 (default 1; same seed, same result)
  --json <file>       write the JSON report (stable, byte-identical for the same inputs)
  --html <file>       write the self-contained HTML report (opens offline)
  --verbose           list every trade and every alert decision
  --no-color          plain text (also when NO_COLOR is set)
  -h, --help          this text

Exit codes: 0 done, 1 bad input, 2 usage shown.`;

function fail(message: string): never {
  process.stderr.write(`backtest: ${message}\n`);
  process.exit(1);
}

function parseDate(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ts = parseUtcDate(text);
  if (ts === null) fail(`${flag} "${text}" is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)`);
  return ts;
}

function progressBar(): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (done, total) => {
    if (total < 50_000) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(
      `\r  replay [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round((done / total) * 100)}%`,
    );
    if (done >= total) process.stderr.write('\r\u001b[K');
  };
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
    process.stderr.write(`backtest: ${(error as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (v.data === undefined) fail('--data <csv> is required (bars or ticks); run with --help for the options');
  const symbol = (v.symbol ?? guessSymbol(v.data))?.toUpperCase();
  if (symbol === undefined)
    fail(
      `cannot tell the symbol from "${basename(v.data)}"; pass --symbol (one of ${SUPPORTED_SYMBOLS.join(', ')})`,
    );
  const instrument = getInstrument(symbol);
  if (instrument === undefined)
    fail(`--symbol "${symbol}" is not supported; use one of ${SUPPORTED_SYMBOLS.join(', ')}`);
  const policy = (v.path ?? 'conservative') as PathPolicy;
  if (!PATH_POLICIES.includes(policy))
    fail(`--path "${v.path}" is not a policy; use ${PATH_POLICIES.join(', ')}`);
  const from = parseDate('--from', v.from);
  const to = parseDate('--to', v.to);
  const slippage = v.slippage === undefined ? undefined : Number(v.slippage);
  if (slippage !== undefined && !(Number.isInteger(slippage) && slippage >= 0))
    fail(`--slippage "${v.slippage}" must be a whole number of ticks ≥ 0`);
  const demoPeriod = v['demo-period'] === undefined ? 60 : Number(v['demo-period']);
  if (!(Number.isInteger(demoPeriod) && demoPeriod >= 2))
    fail(`--demo-period "${v['demo-period']}" must be a whole number ≥ 2`);

  const mcRuns = v['mc-runs'] === undefined ? undefined : Number(v['mc-runs']);
  if (mcRuns !== undefined && !(Number.isInteger(mcRuns) && mcRuns >= 1 && mcRuns <= 10_000_000))
    fail(`--mc-runs "${v['mc-runs']}" must be a whole number from 1 to 10000000 (default 10000)`);
  const mcSeed = v['mc-seed'] === undefined ? undefined : Number(v['mc-seed']);
  if (mcSeed !== undefined && !(/^\d+$/.test(v['mc-seed'] ?? '') && mcSeed <= 0xffffffff))
    fail(`--mc-seed "${v['mc-seed']}" must be a whole number from 0 to 4294967295 (default 1)`);

  const settings: Partial<BotSettings> = {
    ...(v.settings === undefined ? {} : parseSettings(v.settings)),
    ...(v['no-guards'] ? NO_GUARDS : {}),
  };
  const csvOptions = { tickSize: instrument.tickSize, ...(v.tz ? { timeZone: v.tz } : {}) };
  // Bars before --from still feed the profile lookback of the first alerts.
  const lookbackMs = (settings.profileLookbackMinutes ?? DEFAULT_SETTINGS.profileLookbackMinutes) * 60_000;
  const historyFrom = from === undefined ? undefined : from - lookbackMs;
  let bars: BarSeries;
  let ticks: TickSeries | undefined;
  let barMs: number;
  try {
    const market = loadMarketCsv(v.data, csvOptions);
    if (market.kind === 'ticks') {
      ticks = sliceTicks(market, historyFrom, to);
      barMs = 60_000;
      bars = barsFromTicks(ticks, barMs);
    } else {
      bars = sliceBars(market, historyFrom, to);
      barMs = inferBarMs(market.ts, market.length);
      if (v.ticks !== undefined) ticks = sliceTicks(loadTicksCsv(v.ticks, csvOptions), historyFrom, to);
    }
  } catch (error) {
    fail((error as Error).message);
  }
  if (bars.length === 0 || (from !== undefined && bars.ts[bars.length - 1]! < from))
    fail('no bars between --from and --to; widen the range or check the dates (UTC)');
  const effectivePolicy: PathPolicy =
    ticks !== undefined && (policy === 'ticks' || v.ticks === undefined) ? 'ticks' : policy;

  let alerts: BacktestAlert[];
  try {
    alerts =
      v.alerts === undefined
        ? demoSignals(bars, { symbol, period: demoPeriod, barMs })
        : v.alerts === 'db'
          ? (await alertsFromDatabase(bars.ts[0] ?? 0, bars.ts[bars.length - 1] ?? 0)).filter(
              (a) => a.symbol === symbol,
            )
          : loadAlertFile(v.alerts, { symbol, ...(v.tz ? { timeZone: v.tz } : {}) }).filter(
              (a) => a.symbol === symbol,
            );
  } catch (error) {
    fail((error as Error).message);
  }

  const otherSymbols = alerts.filter((a) => a.symbol !== symbol).length;
  if (otherSymbols > 0) {
    process.stderr.write(
      `backtest: ignoring ${otherSymbols} alert(s) for symbols other than ${symbol} (the data is ${symbol})\n`,
    );
    alerts = alerts.filter((a) => a.symbol === symbol);
  }
  const exchange = {
    ...(slippage !== undefined ? { slippageTicks: slippage } : {}),
    fillOnTouch: v['fill-on-touch'] ?? false,
  };
  let result: ReturnType<typeof runBacktest>;
  try {
    result = runBacktest({
      symbol,
      bars,
      ticks,
      alerts,
      barMs,
      policy: effectivePolicy,
      exchange,
      settings,
      ...(from === undefined ? {} : { startTs: from }),
      monteCarlo: {
        ...(mcRuns === undefined ? {} : { runs: mcRuns }),
        ...(mcSeed === undefined ? {} : { seed: mcSeed }),
      },
      onProgress: progressBar(),
    });
  } catch (error) {
    if (process.env.BACKTEST_DEBUG) console.error(error);
    fail(`the backtest stopped: ${(error as Error).message}`);
  }
  const color = colorWanted(argv, process.env);
  process.stdout.write(terminalReport(result, { color, verbose: v.verbose ?? false }));
  if (v.json !== undefined) {
    writeFileSync(
      v.json,
      jsonReport(result, { dataFile: v.data, alertsFile: v.alerts, options: { exchange, barMs } }),
    );
    process.stdout.write(`JSON report: ${v.json}\n`);
  }
  if (v.html !== undefined) {
    writeFileSync(v.html, htmlReport(result, bars, barMs));
    process.stdout.write(`HTML report: ${v.html} (self-contained, opens offline)\n`);
  }
}

/** --settings: inline JSON or a file, checked by the settings schema. */
function parseSettings(text: string): Partial<BotSettings> {
  let raw: string;
  try {
    raw = text.trimStart().startsWith('{') ? text : readFileSync(text, 'utf8');
  } catch {
    fail(`--settings: cannot read "${text}"; give a JSON file path or inline JSON like {"riskPerTrade":250}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    fail(`--settings: ${(error as Error).message}; fix the JSON`);
  }
  // The same schema as the bot's settings: unknown keys and wrong values are refused, key named.
  try {
    return parseSettingsPatch(value, '--settings');
  } catch (error) {
    if (error instanceof SettingsError) fail(error.message);
    throw error;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      data: { type: 'string' },
      alerts: { type: 'string' },
      symbol: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      ticks: { type: 'string' },
      path: { type: 'string' },
      tz: { type: 'string' },
      'demo-period': { type: 'string' },
      slippage: { type: 'string' },
      settings: { type: 'string' },
      'fill-on-touch': { type: 'boolean' },
      'mc-runs': { type: 'string' },
      'mc-seed': { type: 'string' },
      'no-guards': { type: 'boolean' },
      json: { type: 'string' },
      html: { type: 'string' },
      verbose: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

main(process.argv.slice(2)).catch((error: unknown) =>
  fail(error instanceof Error ? error.message : String(error)),
);

/** Alerts the bot stored (webhook or relay), inside the replayed time range. */
async function alertsFromDatabase(from: number, to: number): Promise<BacktestAlert[]> {
  const store = await createStore(storeConfigFromEnv());
  try {
    if (!(store instanceof SqlStore)) {
      throw new Error(
        '--alerts db reads the alerts table with SQL: set DATABASE_URL (Supabase: its direct connection string)',
      );
    }
    const rows = await store.sql.query(
      'select * from alerts where received_at >= $1 and received_at <= $2 order by received_at, id',
      [new Date(from - 86_400_000).toISOString(), new Date(to + 86_400_000).toISOString()],
    );
    return alertsFromRecords(rows.map(rowToAlert));
  } finally {
    await store.close();
  }
}
