/**
 * Group commit for the alert inbox: inserts that arrive while one batch is being written are written
 * together in the next batch (one statement), so a store whose round trip dominates (PGlite) keeps
 * up with bursts. Every caller still gets its own { inserted, id } before its reply is sent, so
 * "stored before acknowledged" holds. Repeats of a key inside one batch are answered as duplicates
 * of the first without being sent twice.
 */
import type { AlertRecord, Store } from '../../ports/store.ts';

export type InsertResult = { readonly inserted: boolean; readonly id: number };
/** Insert many alerts under the unique key, answering in input order (e.g. a store's `insertAlerts`). */
export type InsertMany = (alerts: readonly AlertRecord[]) => Promise<readonly InsertResult[]>;

interface Pending {
  readonly alert: AlertRecord;
  resolve(result: InsertResult): void;
  reject(error: unknown): void;
}

export function createBatchingInbox(insertMany: InsertMany, maxBatch = 256): Pick<Store, 'insertAlert'> {
  const queue: Pending[] = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        const firstByKey = new Map<string, number>();
        const unique: AlertRecord[] = [];
        const slot = batch.map((p) => {
          const seen = firstByKey.get(p.alert.idempotencyKey);
          if (seen !== undefined) return -1 - seen;
          firstByKey.set(p.alert.idempotencyKey, unique.length);
          unique.push(p.alert);
          return unique.length - 1;
        });
        try {
          const results = await insertMany(unique);
          if (results.length !== unique.length) {
            throw new Error(`insertMany answered ${results.length} results for ${unique.length} alerts`);
          }
          batch.forEach((p, i) => {
            const s = slot[i] ?? 0;
            const r = s >= 0 ? results[s] : results[-1 - s];
            if (!r) p.reject(new Error('insertMany gave no result'));
            else p.resolve(s >= 0 ? r : { inserted: false, id: r.id });
          });
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      writing = false;
    }
  }

  return {
    insertAlert(alert: AlertRecord): Promise<InsertResult> {
      return new Promise<InsertResult>((resolve, reject) => {
        queue.push({ alert, resolve, reject });
        if (!writing) void drain();
      });
    },
  };
}
