/**
 * The dialect registry (src/intake/dialects): every registered dialect has fixtures, each of them is
 * detected as that dialect, every JSON fixture belongs to exactly the dialect that lists it, and an
 * accepted fixture carries that dialect's name all the way to the normalised alert.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBody } from '../../src/intake/body.ts';
import { DIALECTS, detectDialect } from '../../src/intake/dialects/index.ts';
import { flatten } from '../../src/intake/fields.ts';
import { intakeAlert } from '../../src/intake/index.ts';
import { fixture, RECEIVED_AT } from './helpers.ts';

const FIXTURES = readdirSync(new URL('../fixtures/alerts/', import.meta.url)).filter((f) =>
  f.endsWith('.json'),
);

function detected(name: string): string {
  const parsed = parseBody(fixture(name), {});
  if (!parsed.ok || parsed.grammar !== 'json') throw new Error(`${name} is not a JSON body`);
  return detectDialect(flatten(parsed.fields), parsed.fields);
}

describe('the dialect registry', () => {
  it('has unique names, and each dialect lists at least one fixture', () => {
    expect(new Set(DIALECTS.map((d) => d.name)).size).toBe(DIALECTS.length);
    for (const d of DIALECTS)
      expect({ name: d.name, fixtures: d.fixtures.length > 0 }).toEqual({ name: d.name, fixtures: true });
  });

  it('detects each listed fixture as the dialect that lists it', () => {
    for (const d of DIALECTS) {
      for (const name of d.fixtures)
        expect({ name, dialect: detected(name) }).toEqual({ name, dialect: d.name });
    }
  });

  it('every JSON fixture is listed by exactly one dialect', () => {
    const listed = DIALECTS.flatMap((d) => d.fixtures);
    expect([...listed].sort()).toEqual([...FIXTURES].sort());
  });

  it('an accepted fixture stores the detected dialect', async () => {
    let accepted = 0;
    for (const name of FIXTURES) {
      const result = await intakeAlert(
        { body: fixture(name), receivedAt: RECEIVED_AT },
        { allowMissingTime: true },
      );
      if (!result.ok || result.outcome !== 'accepted') continue;
      accepted++;
      expect({ name, dialect: result.alert.dialect }).toEqual({ name, dialect: detected(name) });
    }
    expect(accepted).toBeGreaterThanOrEqual(12);
  });

  it('the order matters: a body with both data and ticker is PickMyTrade, not TradersPost', () => {
    const tree = { data: 'buy', ticker: 'ES1!' };
    expect(detectDialect(flatten(tree), tree)).toBe('pickmytrade');
  });
});
