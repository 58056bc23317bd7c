/**
 * The JSON dialects, asked in this order; the first that claims a body names it. The last one,
 * canonical, claims every body, so a JSON alert always has a dialect. Text bodies are named by their
 * grammar instead (key-value, pipe-delimited: src/intake/body.ts).
 */
import type { FieldTree } from '../body.ts';
import type { FlatFields } from '../fields.ts';
import { canonical } from './canonical.ts';
import type { Dialect } from './dialect.ts';
import { nestedStrategy } from './nested-strategy.ts';
import { pickmytrade } from './pickmytrade.ts';
import { topstepxBridge } from './topstepx-bridge.ts';
import { traderspost } from './traderspost.ts';
import { tradingviewStrategy } from './tradingview-strategy.ts';

export type { Dialect } from './dialect.ts';

export const DIALECTS: readonly Dialect[] = [
  pickmytrade,
  topstepxBridge,
  nestedStrategy,
  tradingviewStrategy,
  traderspost,
  canonical,
];

export function detectDialect(fields: FlatFields, tree: FieldTree): string {
  for (const dialect of DIALECTS) if (dialect.detect(fields, tree)) return dialect.name;
  return canonical.name;
}
