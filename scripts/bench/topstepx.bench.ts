/**
 * TopstepX adapter throughput: hub messages decoded per second (recorded ProjectX frames through our
 * tolerant parsers) beside a bare JSON.parse of the same records, and REST round trips per second
 * through the client (envelope, limiter, token) against the local gateway beside a bare HTTP GET to
 * the same server, both measured in the same run.
 */
import { readFileSync } from 'node:fs';
import { startLocalGateway } from '../../sim/gateway/index.ts';
import {
  QuoteBook,
  readMarketTrades,
  readUserOrders,
  readUserTrades,
  splitRecords,
} from '../../src/adapters/topstepx/parse.ts';
import { ProjectXRest } from '../../src/adapters/topstepx/rest.ts';
import { type BenchFigure, type BenchSuite, measureRate } from './harness.ts';

const fixtures = JSON.parse(
  readFileSync(new URL('../../tests/adapters/topstepx/fixtures/hub-events.json', import.meta.url), 'utf8'),
) as {
  frames: string[];
};
const GRID = { tickSize: 0.25, decimals: 2 };

interface HubRecord {
  type: number;
  target?: string;
  arguments?: unknown[];
}

/** One frame set → records, each decoded the way the hubs do it. Returns messages handled. */
function decodeFrames(frames: readonly string[], book: QuoteBook): number {
  let messages = 0;
  for (const frame of frames) {
    for (const text of splitRecords(frame)) {
      const record = JSON.parse(text) as HubRecord;
      messages++;
      if (record.type !== 1 || !record.arguments) continue;
      const [first, second] = record.arguments;
      switch (record.target?.toLowerCase()) {
        case 'gatewayquote':
          book.apply(first as string, second);
          break;
        case 'gatewaytrade':
          readMarketTrades(first as string, second, GRID);
          break;
        case 'gatewayuserorder':
          readUserOrders(first, () => GRID);
          break;
        case 'gatewayusertrade':
          readUserTrades(first, () => GRID);
          break;
      }
    }
  }
  return messages;
}

function bareParse(frames: readonly string[]): number {
  let messages = 0;
  for (const frame of frames) {
    for (const text of frame.split('\u001e')) {
      if (text.length === 0) continue;
      JSON.parse(text);
      messages++;
    }
  }
  return messages;
}

async function roundTrips(call: () => Promise<unknown>, minMs = 1_000): Promise<number> {
  for (let i = 0; i < 20; i++) await call(); // warm-up
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await call();
    n++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return (n / elapsed) * 1000;
}

export const suite: BenchSuite = {
  name: 'TopstepX adapter',
  async run(): Promise<readonly BenchFigure[]> {
    const frames = Array.from({ length: 250 }, () => fixtures.frames).flat();
    const book = new QuoteBook(() => GRID);
    const decoded = measureRate(() => decodeFrames(frames, book));
    const parsed = measureRate(() => bareParse(frames));

    const gw = await startLocalGateway({ rateLimits: false });
    try {
      const rest = new ProjectXRest({
        baseUrl: gw.baseUrl,
        credentials: { userName: 'demo', apiKey: 'demo-key' },
        generalLimit: { limit: 1_000_000, windowMs: 60_000 },
      });
      const client = await roundTrips(() => rest.searchAccounts());
      const bare = await roundTrips(async () => (await fetch(`${gw.baseUrl}/api/Status/ping`)).text());
      return [
        {
          name: 'hub messages decoded (recorded frames, tolerant parse)',
          value: decoded,
          unit: 'messages/s',
          baseline: { name: 'bare JSON.parse', value: parsed },
        },
        {
          name: 'REST round trips (Account/search via client)',
          value: client,
          unit: 'requests/s',
          baseline: { name: 'bare GET /api/Status/ping', value: bare },
          note: 'limiter off; real server allows 200 / 60 s',
        },
      ];
    } finally {
      await gw.close();
    }
  },
};
