/**
 * A moving market for the local gateway: a seeded random walk of prints (steps of one or two ticks,
 * about a third of the prints unchanged), or a one-minute bar CSV replayed as prints for the first
 * symbol. Used by scripts/local-gateway.ts and by the in-process gateway of `--broker local`.
 */
import { readFileSync } from 'node:fs';
import { mulberry32 as seededRandom } from '../random.ts';
import type { LocalGateway } from './index.ts';

export interface ReplayBar {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export function readReplay(path: string): ReplayBar[] {
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

export function startFeed(
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
