/** A TradingView strategy alert: strategy placeholders, flat or dotted (JADNQ's signed position size). */
import type { Dialect } from './dialect.ts';

const STRATEGY_FIELDS = [
  'strategy.order.action',
  'market_position',
  'position_size',
  'order.contracts',
  'order.id',
  'strategy.market_position',
];

export const tradingviewStrategy: Dialect = {
  name: 'tradingview-strategy',
  source: 'tradingview-alerts.md §1.3, §2.8',
  fixtures: ['tradingview-strategy-dotted.json', 'jadnq-short.json', 'jadnq-flat.json'],
  detect: (fields) => STRATEGY_FIELDS.some((name) => fields.has(name)),
};
