/**
 * New alerts for the engine, in id order, each once: a listener (LISTEN/NOTIFY on PGlite and
 * PostgreSQL, a Realtime channel on Supabase) wakes a read of the unprocessed alerts, and a
 * catch-up sweep on the clock repeats that read every `sweepIntervalMs` (default 2 min), so an
 * alert inserted while the listener was down is still delivered. Reads are serialised; ids already
 * delivered are remembered (the last `rememberIds`, default 10,000) so a notification and a sweep
 * never deliver the same alert twice. Errors are reported through `onError`; the stream keeps going.
 */
import { Observable } from 'rxjs';
import type { Store, StoredAlert } from '../../ports/store.ts';
import { type StoreError, toStoreError } from './errors.ts';
import type { QueueClock } from './write-queue.ts';

export interface AlertStreamOptions {
  readonly clock: QueueClock;
  /** Catch-up sweep period, ms (default 120,000; the design asks for 1–3 minutes). */
  readonly sweepIntervalMs?: number;
  /** Rows per read (default 100). */
  readonly pageSize?: number;
  /** How many accounts decide each alert (default 1): see Store.unprocessedAlerts. */
  readonly accounts?: number;
  /** How many delivered ids to remember for de-duplication (default 10,000). */
  readonly rememberIds?: number;
  readonly onError?: (error: StoreError) => void;
}

export type AlertSourceStore = Pick<Store, 'unprocessedAlerts' | 'subscribeAlerts'>;

export function alertStream(store: AlertSourceStore, options: AlertStreamOptions): Observable<StoredAlert> {
  const sweepIntervalMs = options.sweepIntervalMs ?? 120_000;
  const pageSize = options.pageSize ?? 100;
  const rememberIds = options.rememberIds ?? 10_000;
  if (!(sweepIntervalMs > 0))
    throw new Error(`alertStream: sweepIntervalMs must be > 0 (got ${sweepIntervalMs})`);

  return new Observable<StoredAlert>((subscriber) => {
    const delivered = new Set<number>();
    let reading = false;
    let readAgain = false;
    let stopped = false;
    let sweepTimer: unknown = null;
    let stopListening: (() => Promise<void>) | null = null;

    const report = (operation: string, error: unknown) => options.onError?.(toStoreError(operation, error));

    const remember = (id: number) => {
      delivered.add(id);
      if (delivered.size > rememberIds) {
        const oldest = delivered.values().next().value;
        if (oldest !== undefined) delivered.delete(oldest);
      }
    };

    const read = async (): Promise<void> => {
      if (reading) {
        readAgain = true;
        return;
      }
      reading = true;
      try {
        do {
          readAgain = false;
          let afterId = 0;
          for (;;) {
            const page = await store.unprocessedAlerts(pageSize, afterId, options.accounts ?? 1);
            for (const alert of page) {
              if (stopped) return;
              if (delivered.has(alert.id)) continue;
              remember(alert.id);
              subscriber.next(alert);
            }
            const last = page.at(-1);
            if (page.length < pageSize || !last) break;
            afterId = last.id;
          }
        } while (readAgain && !stopped);
      } catch (error) {
        report('alertStream read', error);
      } finally {
        reading = false;
      }
    };

    const listen = async () => {
      try {
        const stop = await store.subscribeAlerts(() => void read());
        if (stopped) await stop();
        else stopListening = stop;
      } catch (error) {
        report('alertStream listen', error); // the sweep still delivers; listening is retried on the next sweep
      }
    };

    const sweep = () => {
      sweepTimer = null;
      if (stopped) return;
      if (!stopListening) void listen();
      void read();
      sweepTimer = options.clock.setTimeout(sweep, sweepIntervalMs);
    };

    void listen().then(() => read());
    sweepTimer = options.clock.setTimeout(sweep, sweepIntervalMs);

    return () => {
      stopped = true;
      if (sweepTimer !== null) options.clock.clearTimeout(sweepTimer);
      const stop = stopListening;
      stopListening = null;
      if (stop) void stop().catch((error: unknown) => report('alertStream unlisten', error));
    };
  });
}
