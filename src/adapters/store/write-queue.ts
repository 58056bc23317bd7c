/**
 * The store sink: the engine never waits on the database.
 *
 * - Position updates are marked dirty and written in one batch every `flushIntervalMs` (5 s), and
 *   only when something other than the mark-to-market P&L changed (state, snapshot, fills, stop…).
 * - Decisions (signals, events, alert status, orders) and trade rows are written at once, in call
 *   order, on one lane; each call returns a promise that settles when the row is durable.
 * - A write that fails for a transient reason (connection lost, deadlock) stays at the head of the
 *   lane and is retried with exponential backoff; `status` shows it (pendingWrites, failedAttempts,
 *   lastError). A write the database refuses (bad input) rejects its promise and is counted in
 *   `rejectedWrites`; a refused batch is split so that only the bad position is rejected.
 *   Nothing is dropped silently.
 * - Memory is bounded: at most `maxPendingWrites` lane writes (default 10,000). At the bound a new
 *   write is refused at once with a `queue_full` StoreError (the runtime should stop taking new
 *   signals); dirty positions hold one entry per position id, at most `maxDirtyPositions`.
 * - Time comes from the given clock (wall or virtual): flush and retry timers use its setTimeout.
 */
import { BehaviorSubject, type Observable } from 'rxjs';
import type {
  ExecutionEvent,
  PositionRecord,
  SignalRecord,
  Store,
  TradeRecord,
  WriteQueueStatus,
} from '../../ports/store.ts';
import { StoreError, toStoreError } from './errors.ts';

export interface QueueClock {
  now(): number;
  setTimeout(fn: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WriteQueueOptions {
  /** How often dirty positions are written, ms (default 5,000). */
  readonly flushIntervalMs?: number;
  /** Lane writes waiting at most (default 10,000). */
  readonly maxPendingWrites?: number;
  /** Distinct dirty positions at most (default 10,000). */
  readonly maxDirtyPositions?: number;
  /** First retry delay, doubled per failure up to retryMaxDelayMs (defaults 250 ms and 30 s). */
  readonly retryInitialDelayMs?: number;
  readonly retryMaxDelayMs?: number;
}

export type { WriteQueueStatus };

export type WriteTarget = Pick<
  Store,
  'upsertSignal' | 'appendEvents' | 'upsertPositions' | 'closePositionWithTrade'
>;

interface LaneWrite {
  readonly label: string;
  readonly run: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: StoreError) => void;
  /** For position batches: the rows, so a refused batch can be split. */
  readonly positions?: readonly PositionRecord[];
}

const FINAL_STATES = new Set(['closed', 'cancelled']);

/** What makes a position worth writing: everything except mark-to-market P&L and the update time. */
function fingerprint(p: PositionRecord): string {
  return JSON.stringify({ ...p, unrealizedPnl: 0, updatedAt: 0 });
}

export class WriteQueue {
  private readonly lane: LaneWrite[] = [];
  private readonly dirty = new Map<string, PositionRecord>();
  /** Last fingerprint queued per open position. */
  private readonly written = new Map<string, string>();
  private flushTimer: unknown = null;
  private retryTimer: unknown = null;
  private draining = false;
  private closed = false;
  private failedAttempts = 0;
  private rejectedWrites = 0;
  private lastError: string | null = null;
  private lastFlushAt: number | null = null;
  private readonly statusSubject: BehaviorSubject<WriteQueueStatus>;
  private readonly flushIntervalMs: number;
  private readonly maxPendingWrites: number;
  private readonly maxDirtyPositions: number;
  private readonly retryInitialDelayMs: number;
  private readonly retryMaxDelayMs: number;

  constructor(
    private readonly store: WriteTarget,
    private readonly clock: QueueClock,
    options: WriteQueueOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 5_000;
    this.maxPendingWrites = options.maxPendingWrites ?? 10_000;
    this.maxDirtyPositions = options.maxDirtyPositions ?? 10_000;
    this.retryInitialDelayMs = options.retryInitialDelayMs ?? 250;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 30_000;
    this.statusSubject = new BehaviorSubject(this.snapshot());
  }

  get status(): WriteQueueStatus {
    return this.statusSubject.value;
  }

  get status$(): Observable<WriteQueueStatus> {
    return this.statusSubject.asObservable();
  }

  /** Mark a position dirty; it is written with the next batch only if more than its P&L changed. */
  updatePosition(position: PositionRecord): void {
    this.assertOpen();
    const print = fingerprint(position);
    if (this.dirty.has(position.id)) {
      this.dirty.set(position.id, position); // keep the freshest values for the batch
      this.written.set(position.id, print);
      return;
    }
    if (this.written.get(position.id) === print) return; // only P&L moved
    if (this.dirty.size >= this.maxDirtyPositions) {
      throw new StoreError(
        'updatePosition',
        'queue_full',
        `updatePosition failed: ${this.dirty.size} positions are already waiting to be written (limit ` +
          `maxDirtyPositions=${this.maxDirtyPositions}) — fix: check the database connection (${this.lastError ?? 'no error yet'})`,
        false,
      );
    }
    this.dirty.set(position.id, position);
    this.written.set(position.id, print);
    this.armFlush();
    this.publish();
  }

  writeSignal(signal: SignalRecord): Promise<void> {
    return this.enqueue(`signal ${signal.id}`, () => this.store.upsertSignal(signal));
  }

  appendEvents(events: readonly ExecutionEvent[]): Promise<void> {
    return this.enqueue(`${events.length} events`, () => this.store.appendEvents(events));
  }

  /** Close a position with its trade row at once; a dirty update of the same position is superseded. */
  closePosition(position: PositionRecord, trade: TradeRecord): Promise<boolean> {
    this.dirty.delete(position.id);
    this.written.delete(position.id);
    return this.enqueue(`close ${position.id}`, () => this.store.closePositionWithTrade(position, trade));
  }

  /** Any other write that must happen at once and in order with the rest (alert status, orders…). */
  enqueue<T>(label: string, run: () => Promise<T>): Promise<T> {
    try {
      this.assertOpen();
      this.assertRoom(label);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      this.lane.push({ label, run, resolve: resolve as (v: unknown) => void, reject });
      this.publish();
      void this.drain();
    });
  }

  /** Same as enqueue: any write that must happen at once, in order (guard state, alert status…). */
  write<T>(label: string, run: () => Promise<T>): Promise<T> {
    return this.enqueue(label, run);
  }

  /** Write dirty positions now and wait until everything queued so far is durable. */
  async flush(): Promise<void> {
    if (this.closed) {
      const pending = this.snapshot().pendingWrites + this.dirty.size;
      if (pending === 0) return;
      throw new StoreError(
        'flush',
        'closed',
        `flush failed: the write queue is closed with ${pending} writes not written`,
        false,
      );
    }
    this.moveDirtyToLane();
    if (this.lane.length === 0) return;
    await new Promise<void>((resolve, reject) => {
      this.lane.push({ label: 'flush marker', run: async () => {}, resolve: () => resolve(), reject });
      void this.drain();
    });
  }

  /**
   * Flush and stop. Waits at most `timeoutMs` on the clock; if writes are still pending then
   * (database down), rejects with how many are left — they are not lost from the caller's view.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    const flushed = this.flush();
    let timer: unknown = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => {
        reject(
          new StoreError(
            'close',
            'flush_timeout',
            `close failed: ${this.snapshot().pendingWrites} writes were still pending after ${timeoutMs} ms (last error: ${this.lastError ?? 'none'}) — fix: restore the database connection; the engine state will be rebuilt from the broker on the next start`,
            false,
          ),
        );
      }, timeoutMs);
    });
    try {
      await Promise.race([flushed, timeout]);
    } finally {
      this.clock.clearTimeout(timer);
      this.closed = true;
      if (this.flushTimer !== null) this.clock.clearTimeout(this.flushTimer);
      if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
      this.flushTimer = null;
      this.retryTimer = null;
      this.statusSubject.complete();
    }
  }

  // ---- internals ----------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed)
      throw new StoreError('writeQueue', 'closed', 'write failed: the write queue is closed', false);
  }

  private assertRoom(label: string): void {
    if (this.lane.length >= this.maxPendingWrites) {
      throw new StoreError(
        label,
        'queue_full',
        `${label} not queued: ${this.lane.length} writes are already waiting (limit maxPendingWrites=` +
          `${this.maxPendingWrites}; last error: ${this.lastError ?? 'none'}) — fix: stop taking new signals until the database is reachable`,
        false,
      );
    }
  }

  private armFlush(): void {
    if (this.flushTimer !== null || this.closed) return;
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushTimer = null;
      this.moveDirtyToLane();
    }, this.flushIntervalMs);
  }

  private moveDirtyToLane(): void {
    if (this.flushTimer !== null) {
      this.clock.clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.dirty.size === 0) return;
    const positions = [...this.dirty.values()];
    this.dirty.clear();
    for (const p of positions) if (FINAL_STATES.has(p.state)) this.written.delete(p.id);
    this.pushBatch(positions);
    void this.drain();
  }

  private pushBatch(positions: readonly PositionRecord[], atFront = false): void {
    const write: LaneWrite = {
      label: `${positions.length} position updates`,
      positions,
      run: async () => {
        await this.store.upsertPositions(positions);
        this.lastFlushAt = this.clock.now();
      },
      resolve: () => {},
      reject: () => {},
    };
    if (atFront) this.lane.unshift(write);
    else this.lane.push(write);
    this.publish();
  }

  private async drain(): Promise<void> {
    if (this.draining || this.retryTimer !== null) return;
    this.draining = true;
    try {
      while (this.lane.length > 0) {
        const write = this.lane[0]!;
        try {
          const value = await write.run();
          this.lane.shift();
          this.failedAttempts = 0;
          write.resolve(value);
        } catch (raw) {
          const error = toStoreError(write.label, raw);
          this.lastError = error.message;
          if (error.retryable) {
            this.failedAttempts += 1;
            const delay = Math.min(
              this.retryInitialDelayMs * 2 ** (this.failedAttempts - 1),
              this.retryMaxDelayMs,
            );
            this.retryTimer = this.clock.setTimeout(() => {
              this.retryTimer = null;
              void this.drain();
            }, delay);
            return;
          }
          this.lane.shift();
          if (write.positions && write.positions.length > 1) {
            // Find the refused row: retry each position on its own, in the same place.
            for (const p of [...write.positions].reverse()) this.pushBatch([p], true);
          } else {
            this.rejectedWrites += 1;
            write.reject(error);
          }
        } finally {
          this.publish();
        }
      }
    } finally {
      this.draining = false;
      this.publish();
    }
  }

  private snapshot(): WriteQueueStatus {
    return {
      pendingWrites: this.lane.filter((w) => w.label !== 'flush marker').length,
      dirtyPositions: this.dirty.size,
      failedAttempts: this.failedAttempts,
      rejectedWrites: this.rejectedWrites,
      lastError: this.lastError,
      lastFlushAt: this.lastFlushAt,
    };
  }

  private publish(): void {
    if (!this.closed) this.statusSubject.next(this.snapshot());
  }
}
