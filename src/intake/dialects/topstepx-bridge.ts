/** TopstepX/ProjectX bridge: an upper-case `signal` (BUY/SELL/FLAT) on a continuous symbol. */
import type { Dialect } from './dialect.ts';

export const topstepxBridge: Dialect = {
  name: 'topstepx-bridge',
  source: 'tradingview-alerts.md §2.7',
  fixtures: ['topstepx-bridge-buy.json', 'topstepx-bridge-flat.json'],
  detect: (fields) => fields.has('signal') && !fields.has('action'),
};
