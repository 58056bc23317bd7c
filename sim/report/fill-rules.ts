/**
 * The fill rules a backtest ran under, named for its report (docs/backtest-fills.md states them).
 * Plain sentences with the configured values, the same in the terminal, JSON and HTML reports.
 */
import type { ExchangeConfig } from '../exchange.ts';
import type { PathPolicy } from '../path.ts';

export interface FillRule {
  readonly rule: string;
  readonly value: string;
}

export function fillRules(policy: PathPolicy, exchange: ExchangeConfig = {}): FillRule[] {
  const slip = exchange.slippageTicks ?? 1;
  const ticks = `${slip} tick${slip === 1 ? '' : 's'}`;
  const path =
    policy === 'direction'
      ? 'direction: O→L→H→C on up bars, O→H→L→C on down bars'
      : policy === 'ticks'
        ? 'ticks: the real prints; bars without prints use the adverse path'
        : 'conservative: the extreme adverse to what is at risk comes first (open long or working sell entries: low first; open short or working buy entries: high first)';
  return [
    { rule: 'intrabar path', value: path },
    {
      rule: 'market orders',
      value: `fill at the market when they start working (the point that sent them), ${ticks} against them; never at a later point`,
    },
    {
      rule: 'limit orders',
      value: `fill when the price trades ${exchange.fillOnTouch ? 'at or through' : 'through'} the limit, at the limit; a gap or a marketable limit fills at the market`,
    },
    {
      rule: 'stop orders',
      value: `trigger at or through the stop; fill at the stop (at the market on a gap) ${ticks} against them`,
    },
    {
      rule: 'favourable exits',
      value: 'a TP3 close that swept through its level fills at the level, not at the far end of the sweep',
    },
    { rule: 'order latency', value: `${exchange.ackLatencyMs ?? 50} ms to work or cancel` },
    {
      rule: 'partial fills',
      value:
        exchange.maxFillPerPoint === undefined && !exchange.fillFromPrintSize
          ? 'none (whole orders fill)'
          : `at most ${exchange.maxFillPerPoint ?? 'any'} per point${exchange.fillFromPrintSize ? ', no more than the print size' : ''}`,
    },
  ];
}
