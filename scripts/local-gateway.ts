/**
 * Runs the local ProjectX gateway standalone so the bot (or any ProjectX client) can trade against it:
 *
 *   npx tsx scripts/local-gateway.ts --port 5400
 *   npx tsx scripts/local-gateway.ts --symbols ES,NQ --interval 250 --replay ../shared/data/market/ES_ESZ13_1m_2013-10-06_2013-10-14_utc.csv
 *
 * Prices move by a seeded random walk (or replay a one-minute CSV for the first symbol) so that
 * working orders fill.
 */

import { parseArgs } from 'node:util';
import { readReplay, startFeed } from '../sim/gateway/feed.ts';
import { type GatewayQuirks, startLocalGateway } from '../sim/gateway/index.ts';

const USAGE = `Usage: npm run local-gateway [-- options]     (or: npx tsx scripts/local-gateway.ts [options])
  --port <n>          port on 127.0.0.1 (default 5400; 0 = any free port)
  --user <name>       accepted userName (default demo)
  --key <apiKey>      accepted apiKey (default demo-key)
  --symbols <list>    tickers whose prices move (default ES,NQ,MES,MNQ)
  --interval <ms>     time between price steps (default 250)
  --seed <n>          random-walk seed (default 1)
  --replay <csv>      replay a one-minute bar CSV (ts_utc,epoch_s,open,high,low,close,volume,…) for the first symbol
  --quirks <list>     comma-separated quirk switches, e.g. sparseQuotes,actionDataWrapper
  --no-rate-limit     do not enforce the 200/60 s and 50/30 s limits
  -h, --help          this text`;

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
      help: { type: 'boolean', short: 'h', default: false },
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
