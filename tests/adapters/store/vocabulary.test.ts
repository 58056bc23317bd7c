/** The closed vocabularies equal what the database accepts (enum values, check constraints). */
import { describe, expect, it } from 'vitest';
import { EXIT_REASONS, POSITION_STATES } from '../../../src/domain/vocabulary.ts';
import { position } from './fixtures.ts';
import { freshPgliteStore } from './pglite-template.ts';

describe('one vocabulary from the machines to the database', () => {
  it('position_state is exactly POSITION_STATES; the exit-reason check is exactly EXIT_REASONS', async () => {
    const store = await freshPgliteStore();
    try {
      const states = await store.sql.query(
        "select e.enumlabel as v from pg_enum e join pg_type t on t.oid = e.enumtypid where t.typname = 'position_state' order by e.enumsortorder",
      );
      expect(states.map((r) => r.v)).toEqual([...POSITION_STATES]);
      const check = await store.sql.query(
        "select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'trades_log_exit_reason_known'",
      );
      const listed = [...String(check[0]?.def).matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1]);
      expect(listed.sort()).toEqual([...EXIT_REASONS].sort());
    } finally {
      await store.close();
    }
  });

  it('a stored position in a state this build does not know is refused, naming the row', async () => {
    const store = await freshPgliteStore();
    try {
      await store.upsertPositions([position('X1', { state: 'tp2' })]);
      await store.sql.query("alter type position_state add value 'tp4'");
      await store.sql.query("update positions set state = 'tp4' where id = 'X1'");
      await expect(store.openPositions()).rejects.toThrow(/position X1: unknown state "tp4"/);
    } finally {
      await store.close();
    }
  });
});
