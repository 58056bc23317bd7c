/** What `npm run backtest` and `npm run lab` read the same way: a file's symbol, a UTC date option. */
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

/** "2013-10-08", "2013-10-08T13:30", "2013-10-08 13:30Z" or with an offset → epoch ms (UTC unless an offset is given); null when it is not a date. */
export function parseUtcDate(text: string): number | null {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text)
    ? `${text}T00:00:00Z`
    : /[zZ]|[+-]\d{2}:?\d{2}$/.test(text)
      ? text
      : `${text}Z`;
  const ts = Date.parse(iso.replace(' ', 'T'));
  return Number.isNaN(ts) ? null : ts;
}
