/** Shared helpers for the intake tests: fixtures, a fixed arrival time and an in-memory inbox. */
import { readFileSync } from 'node:fs';
import type { AlertRecord, Store } from '../../src/ports/store.ts';

/** The fire time every rendered fixture carries. */
export const FIRED_AT = Date.parse('2025-06-10T14:30:00Z');
/** Arrival two seconds later. */
export const RECEIVED_AT = FIRED_AT + 2_000;

export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/alerts/${name}`, import.meta.url), 'utf8');
}

/** In-memory stand-in for the Store port's insertAlert, with the same unique-key semantics. */
export class FakeInbox implements Pick<Store, 'insertAlert'> {
  readonly rows: (AlertRecord & { id: number })[] = [];
  private readonly byKey = new Map<string, number>();
  failNext = false;

  async insertAlert(alert: AlertRecord): Promise<{ inserted: boolean; id: number }> {
    await Promise.resolve();
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database is down');
    }
    const existing = this.byKey.get(alert.idempotencyKey);
    if (existing !== undefined) return { inserted: false, id: existing };
    const id = this.rows.length + 1;
    this.rows.push({ ...alert, id });
    this.byKey.set(alert.idempotencyKey, id);
    return { inserted: true, id };
  }
}
