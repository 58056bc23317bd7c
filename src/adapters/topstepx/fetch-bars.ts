/**
 * `npm run fetch-bars -- --symbol ES --from 2025-01-02 --to 2025-01-03 --unit 1m [--out file.csv] [--live]`
 * Downloads bars through the REST client (bars rate limit respected) into the backtester's CSV
 * (ts_utc,epoch_s,open,high,low,close,volume,contract). Dates are UTC days, `--to` inclusive; full
 * ISO timestamps are taken as exact bounds (`--to` exclusive). The file is written whole or not at all.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fetchBars } from './bars.ts';
import { loadProjectXConfig } from './config.ts';
import { resolveContract } from './contracts.ts';
import { parseBarUnit } from './enums.ts';
import { type AdapterLogger, silentLogger } from './log.ts';
import type { ProjectXBar } from './models.ts';
import { parseTimestamp } from './models.ts';
import { ProjectXRest } from './rest.ts';

export interface FetchBarsArgs {
  readonly symbol: string;
  readonly from: number;
  readonly to: number;
  readonly unitText: string;
  readonly unit: number;
  readonly unitNumber: number;
  readonly out: string;
  readonly live: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(
      `${message}\nusage: npm run fetch-bars -- --symbol ES --from 2025-01-02 --to 2025-01-03 --unit 1m [--out data/bars/ES_1m.csv] [--live]`,
    );
    this.name = 'UsageError';
  }
}

const DAY = 86_400_000;

function parseDate(text: string, flag: string, inclusiveEnd: boolean): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const start = parseTimestamp(`${text}T00:00:00Z`, flag);
    return inclusiveEnd ? start + DAY : start;
  }
  try {
    return parseTimestamp(text, flag);
  } catch {
    throw new UsageError(`${flag} "${text}" is not a date: use YYYY-MM-DD (UTC) or an ISO-8601 timestamp`);
  }
}

export function parseFetchBarsArgs(argv: readonly string[]): FetchBarsArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (name === 'live') {
      flags.add(name);
      continue;
    }
    if (!['symbol', 'from', 'to', 'unit', 'out'].includes(name))
      throw new UsageError(`unknown option --${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    values.set(name, value);
  }
  for (const required of ['symbol', 'from', 'to']) {
    if (!values.has(required)) throw new UsageError(`--${required} is required`);
  }
  const symbol = values.get('symbol')!.toUpperCase();
  const from = parseDate(values.get('from')!, '--from', false);
  const to = parseDate(values.get('to')!, '--to', true);
  if (!(to > from)) throw new UsageError('--to must be after --from');
  const unitText = values.get('unit') ?? '1m';
  let unit: { unit: number; unitNumber: number };
  try {
    unit = parseBarUnit(unitText);
  } catch (error) {
    throw new UsageError(`--unit: ${(error as Error).message}`);
  }
  const fromDay = new Date(from).toISOString().slice(0, 10);
  const toDay = new Date(to - 1).toISOString().slice(0, 10);
  const out =
    values.get('out') ?? `data/bars/${symbol.replace(/[^A-Z0-9]/g, '')}_${unitText}_${fromDay}_${toDay}.csv`;
  return { symbol, from, to, unitText, ...unit, out, live: flags.has('live') };
}

/** One CSV line per bar, prices printed with the contract's decimals. */
export function barsToCsv(bars: readonly ProjectXBar[], contract: string, decimals: number): string {
  const fmt = (n: number) => String(Number(n.toFixed(decimals)));
  const lines = ['ts_utc,epoch_s,open,high,low,close,volume,contract'];
  for (const b of bars) {
    const iso = new Date(b.ts).toISOString().replace('.000Z', 'Z');
    lines.push(
      `${iso},${Math.floor(b.ts / 1000)},${fmt(b.open)},${fmt(b.high)},${fmt(b.low)},${fmt(b.close)},${b.volume},${contract}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function runFetchBars(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
  logger: AdapterLogger = silentLogger,
): Promise<{ file: string; bars: number; contractId: string }> {
  const args = parseFetchBarsArgs(argv);
  const config = loadProjectXConfig(env);
  const rest = new ProjectXRest({ baseUrl: config.apiUrl, credentials: config, logger });
  const contract = await resolveContract(rest, args.symbol, { live: args.live });
  const grid = rest.gridOf(contract.id);
  logger.info(
    { contractId: contract.id, from: new Date(args.from).toISOString(), to: new Date(args.to).toISOString() },
    'fetching bars',
  );
  const bars = await fetchBars(rest, {
    contractId: contract.id,
    start: args.from,
    end: args.to,
    unit: args.unit,
    unitNumber: args.unitNumber,
    live: args.live,
    onPage: (page) => logger.info(page, 'bars page'),
  });
  const file = resolve(args.out);
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.partial`;
  writeFileSync(temporary, barsToCsv(bars, contract.name, grid?.decimals ?? 2));
  renameSync(temporary, file);
  return { file, bars: bars.length, contractId: contract.id };
}
