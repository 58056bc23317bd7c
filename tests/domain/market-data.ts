/** Loads the shared one-minute bar files for domain tests (see ../shared/data/market/README.md). */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Bar } from '../../src/domain/types.ts';

export const ES_BARS_FILE = fileURLToPath(
  new URL('../../../shared/data/market/ES_ESZ13_1m_2013-10-06_2013-10-14_utc.csv', import.meta.url),
);
export const GC_BARS_FILE = fileURLToPath(
  new URL('../../../shared/data/market/GC_GCZ13_1m_2013-10-07_2013-10-11_utc.csv', import.meta.url),
);

/** Why a data test cannot run, or undefined when it can. In CI a missing file is a failure, not a skip. */
export function missingData(file: string): string | undefined {
  if (existsSync(file)) return undefined;
  const message = `needs the shared market data at ${file} (../shared beside the checkout)`;
  if (process.env.CI === 'true') throw new Error(`CI: ${message}`);
  return message;
}

export function loadBars(file: string): Bar[] {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const at = (name: string) => header.indexOf(name);
  const [epoch, open, high, low, close, volume] = ['epoch_s', 'open', 'high', 'low', 'close', 'volume'].map(
    at,
  ) as [number, number, number, number, number, number];
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    return {
      ts: Number(cells[epoch]) * 1000,
      open: Number(cells[open]),
      high: Number(cells[high]),
      low: Number(cells[low]),
      close: Number(cells[close]),
      volume: Number(cells[volume]),
    };
  });
}
