/** Passphrase in the body with nested `bar` and `strategy` objects (`strategy.order_action`). */
import type { Dialect } from './dialect.ts';

export const nestedStrategy: Dialect = {
  name: 'nested-strategy',
  source: 'tradingview-alerts.md §2.5',
  fixtures: ['nested-passphrase-es.json', 'nested-passphrase-doge.json'],
  detect: (fields, tree) => fields.has('strategy.order_action') || typeof tree['bar'] === 'object',
};
