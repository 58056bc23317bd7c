/** TradersPost: `ticker` and `action` (with `sentiment`), numbers quoted or bare. */
import type { Dialect } from './dialect.ts';

export const traderspost: Dialect = {
  name: 'traderspost',
  source: 'tradingview-alerts.md §2.1–2.3',
  fixtures: [
    'traderspost-minimal.json',
    'traderspost-indicator.json',
    'traderspost-strategy.json',
    'traderspost-signal-mnq.json',
    'traderspost-signal-amd.json',
    'traderspost-limit-tsla.json',
  ],
  detect: (fields) => fields.has('ticker'),
};
