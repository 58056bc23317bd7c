/** The symbol a market-data file is of, from its name: shared by `npm run backtest` and `npm run lab`. */
import { basename } from 'node:path';
import { resolveTicker } from '../src/domain/instruments.ts';

/** ES from "ES_ESZ13_1m….csv", "CME_MINI_ES1!, 1.csv" (TradingView export) or "es-bars.csv". */
export function guessSymbol(path: string): string | undefined {
  const name = basename(path).replace(/\.[a-z]+$/i, '');
  const head = name.split(',')[0]!.trim();
  const parts = head.split('_');
  const candidates = [
    ...parts.map((_, i) => parts.slice(i).join('_')), // TradingView: EXCHANGE_TICKER
    name.split(/[_\-. ,]/)[0] ?? '',
  ];
  for (const candidate of candidates) {
    const resolved = resolveTicker(candidate);
    if (resolved.ok) return resolved.symbol;
  }
  return undefined;
}
