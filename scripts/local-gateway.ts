/**
 * Runs the local ProjectX gateway standalone so the bot (or any ProjectX client) can trade against it:
 *
 *   npx tsx scripts/local-gateway.ts --port 5400
 *   npx tsx scripts/local-gateway.ts --symbols ES,NQ --interval 250 --replay ../shared/data/market/ES_ESZ13_1m_2013-10-06_2013-10-14_utc.csv
 *
 * Prices move by a seeded random walk (or replay a one-minute CSV for the first symbol) so that
 * working orders fill.
 */

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type GatewayQuirks, type LocalGateway, startLocalGateway } from '../sim/gateway/index.ts';
import { mulberry32 as seededRandom } from '../sim/random.ts';

const USAGE = `Usage: npx tsx scripts/local-gateway.ts [options]
  --port <n>          port on 127.0.0.1 (default 5400; 0 = any free port)
  --user <name>       accepted userName (default demo)
  --key <apiKey>      accepted apiKey (default demo-key)
  --symbols <list>    tickers whose prices move (default ES,NQ,MES,MNQ)
  --interval <ms>     time between price steps (default 250)
  --seed <n>          random-walk seed (default 1)
  --replay <csv>      replay a one-minute bar CSV (ts_utc,epoch_s,open,high,low,close,volume,…) for the first symbol
  --quirks <list>     comma-separated quirk switches, e.g. sparseQuotes,actionDataWrapper
  --no-rate-limit     do not enforce the 200/60 s and 50/30 s limits
  --help`;

interface ReplayBar {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

function readReplay(path: string): ReplayBar[] {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const column = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0)
      throw new Error(
        `${path}: header has no '${name}' column; expected ts_utc,epoch_s,open,high,low,close,volume`,
      );
    return index;
  };
  const [open, high, low, close, volume] = ['open', 'high', 'low', 'close', 'volume'].map(column) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const bars: ReplayBar[] = [];
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const bar = {
      open: Number(cells[open]),
      high: Number(cells[high]),
      low: Number(cells[low]),
      close: Number(cells[close]),
      volume: Number(cells[volume]),
    };
    if (!Object.values(bar).every(Number.isFinite))
      throw new Error(`${path}:${i + 1}: a price or volume is not a number`);
    bars.push(bar);
  }
  if (bars.length === 0) throw new Error(`${path}: no bars`);
  return bars;
}

function startFeed(
  gateway: LocalGateway,
  tickers: string[],
  intervalMs: number,
  seed: number,
  replay: ReplayBar[] | null,
): () => void {
  const random = seededRandom(seed);
  const contracts = tickers.map((ticker) => {
    const id = gateway.activeContractId(ticker);
    const spec = gateway.contracts().find((c) => c.id === id)!;
    return { id, tickSize: spec.tickSize, ticks: Math.round((spec.referencePrice ?? 1000) / spec.tickSize) };
  });
  // Each replayed bar becomes four prints: open, the nearer extreme, the farther one, close.
  const replayPrints: { price: number; size: number }[] = [];
  for (const bar of replay ?? []) {
    const size = Math.max(1, Math.round(bar.volume / 4));
    const highFirst = bar.high - bar.open < bar.open - bar.low;
    const path = highFirst
      ? [bar.open, bar.high, bar.low, bar.close]
      : [bar.open, bar.low, bar.high, bar.close];
    for (const price of path) replayPrints.push({ price, size });
  }
  let step = 0;
  const timer = setInterval(() => {
    contracts.forEach((contract, index) => {
      if (index === 0 && replayPrints.length > 0) {
        const print = replayPrints[step % replayPrints.length]!;
        gateway.pushPrice(contract.id, print.price, { size: print.size });
        return;
      }
      const move = random() < 0.5 ? -1 : 1;
      contract.ticks += random() < 0.35 ? 0 : move * (random() < 0.8 ? 1 : 2);
      gateway.pushPrice(contract.id, Number((contract.ticks * contract.tickSize).toFixed(9)), {
        size: 1 + Math.floor(random() * 5),
      });
    });
    step += 1;
  }, intervalMs);
  return () => clearInterval(timer);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5400' },
      user: { type: 'string', default: 'demo' },
      key: { type: 'string', default: 'demo-key' },
      symbols: { type: 'string', default: 'ES,NQ,MES,MNQ' },
      interval: { type: 'string', default: '250' },
      seed: { type: 'string', default: '1' },
      replay: { type: 'string' },
      quirks: { type: 'string', default: '' },
      'no-rate-limit': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  const intervalMs = Number(values.interval);
  const seed = Number(values.seed);
  for (const [name, value] of [
    ['--port', port],
    ['--interval', intervalMs],
    ['--seed', seed],
  ] as const) {
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${name} must be a whole number ≥ 0\n${USAGE}`);
  }
  const quirks: Partial<GatewayQuirks> = {};
  for (const name of values.quirks.split(',').filter(Boolean))
    (quirks as Record<string, boolean>)[name.trim()] = true;
  const replay = values.replay ? readReplay(values.replay) : null;
  const gateway = await startLocalGateway({
    port,
    userName: values.user,
    apiKey: values.key,
    quirks,
    rateLimits: values['no-rate-limit'] ? false : {},
  });
  const tickers = values.symbols
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const stopFeed = startFeed(gateway, tickers, Math.max(1, intervalMs), seed, replay);
  console.log(`Local ProjectX gateway listening
  REST        ${gateway.baseUrl}/api/...   (GET ${gateway.baseUrl}/api/Status/ping → pong)
  user hub    ${gateway.userHubUrl}
  market hub  ${gateway.marketHubUrl}
  login       POST /api/Auth/loginKey {"userName":"${values.user}","apiKey":"${values.key}"}
  account     ${gateway
    .accounts()
    .map((a) => `${a.id} (${a.name})`)
    .join(', ')}
  contracts   ${tickers.map((t) => `${t} → ${gateway.activeContractId(t)}`).join(', ')}
  prices      ${replay ? `replaying ${replay.length} bars for ${tickers[0]}, random walk for the rest` : 'seeded random walk'} every ${intervalMs} ms
Try: curl -s -X POST ${gateway.baseUrl}/api/Auth/loginKey -H 'content-type: application/json' -d '{"userName":"${values.user}","apiKey":"${values.key}"}'
Ctrl-C to stop.`);
  const shutdown = async (): Promise<void> => {
    stopFeed();
    await gateway.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
