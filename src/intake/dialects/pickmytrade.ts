/** PickMyTrade futures bridge: the action is in `data`, the secret in `token`. */
import type { Dialect } from './dialect.ts';

export const pickmytrade: Dialect = {
  name: 'pickmytrade',
  source: 'tradingview-alerts.md §2.4',
  fixtures: ['pickmytrade-indicator.json', 'pickmytrade-strategy.json', 'pickmytrade-rithmic-close.json'],
  detect: (fields) => fields.has('data') && !fields.has('action'),
};
