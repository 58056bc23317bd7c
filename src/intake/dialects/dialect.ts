/**
 * One alert dialect: a payload format traders send (../shared/reference/tradingview-alerts.md §2).
 * A dialect names itself and says whether a parsed JSON body is its own; the field names it uses are
 * read through the shared aliases (src/intake/index.ts), so adding a dialect is one file here, one
 * line in ./index.ts and a fixture in tests/fixtures/alerts.
 */
import type { FieldTree } from '../body.ts';
import type { FlatFields } from '../fields.ts';

export interface Dialect {
  /** Stored with each alert (`dialect`). */
  readonly name: string;
  /** Where the format is described. */
  readonly source: string;
  /** Fixtures in tests/fixtures/alerts written in this dialect (the registry test parses each). */
  readonly fixtures: readonly string[];
  /** True when the body is this dialect's; the registry asks the dialects in order. */
  detect(fields: FlatFields, tree: FieldTree): boolean;
}
