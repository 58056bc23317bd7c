/**
 * VirtualClock: the one time source of a backtest. It is XState's `clock` option (setTimeout /
 * clearTimeout) and an RxJS SchedulerLike (`scheduler`), so machines and RxJS time operators share it.
 *
 * Time only moves when the replay calls `advanceTo(ts)`: every timer due at or before `ts` fires in
 * (due time, scheduling order) order, timers scheduled while firing included when they fall due, and
 * only then does `now()` become `ts`. Market data is not queued here: the replay calls
 * `advanceTo(tickTs)` and then hands the tick over directly, so timers come before data at equal times.
 * Timers live in a binary min-heap (O(log n) insert and pop); cancelled timers are dropped lazily.
 */
import { type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs';
import type { Clock } from '../src/ports/index.ts';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
  cancelled: boolean;
}

/** Handle returned by `setTimeout`; pass it to `clearTimeout`. */
export type TimerHandle = Timer;

export class VirtualClock implements Clock {
  private current: number;
  private sequence = 0;
  private readonly heap: Timer[] = [];
  private live = 0;
  readonly scheduler: SchedulerLike;

  constructor(startTs = 0) {
    if (!Number.isFinite(startTs))
      throw new Error(`VirtualClock: startTs must be a finite epoch ms, got ${startTs}`);
    this.current = startTs;
    this.scheduler = new VirtualScheduler(this);
  }

  now(): number {
    return this.current;
  }

  /** Number of timers still waiting (cancelled ones excluded). */
  get pending(): number {
    return this.live;
  }

  /** Due time of the earliest waiting timer, or +Infinity. */
  nextDueAt(): number {
    this.dropCancelledTop();
    const top = this.heap[0];
    return top === undefined ? Number.POSITIVE_INFINITY : top.at;
  }

  setTimeout(fn: (...args: unknown[]) => void, delayMs: number): TimerHandle {
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const timer: Timer = {
      at: this.current + delay,
      seq: this.sequence++,
      fire: fn as () => void,
      cancelled: false,
    };
    this.push(timer);
    this.live++;
    return timer;
  }

  clearTimeout(handle: unknown): void {
    const timer = handle as Timer | undefined;
    if (timer && typeof timer === 'object' && 'cancelled' in timer && !timer.cancelled) {
      timer.cancelled = true;
      this.live--;
    }
  }

  /**
   * Fire every timer due at or before `ts` in time order (a timer scheduled while firing runs in the
   * same call when it falls due), then set now = ts. Time never goes backwards.
   */
  advanceTo(ts: number): void {
    if (ts < this.current) {
      throw new Error(
        `VirtualClock.advanceTo: time cannot go backwards (now ${this.current}, asked ${ts}); feed data in time order`,
      );
    }
    const heap = this.heap;
    while (heap.length > 0) {
      const top = heap[0]!;
      if (top.at > ts) break;
      this.pop();
      if (top.cancelled) continue;
      top.cancelled = true;
      this.live--;
      this.current = top.at;
      top.fire();
    }
    this.current = ts;
  }

  /** Fire the timers due now (e.g. zero-delay replies scheduled by the exchange during a tick). */
  flush(): void {
    const top = this.heap[0];
    if (top !== undefined && top.at <= this.current) this.advanceTo(this.current);
  }

  /** Fire every waiting timer (end of a run), at most `limit` of them to stop runaway periodic timers. */
  runAll(limit = 1_000_000): number {
    let fired = 0;
    while (fired < limit) {
      const due = this.nextDueAt();
      if (due === Number.POSITIVE_INFINITY) break;
      const before = this.live;
      this.advanceTo(Math.max(due, this.current));
      fired += Math.max(1, before - this.live);
    }
    return fired;
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(timer, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = timer;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right]!, heap[left]!)) child = right;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** RxJS scheduler over the virtual clock: `timer`, `delay`, `debounceTime`… run on virtual time. */
class VirtualScheduler implements SchedulerLike {
  constructor(private readonly clock: VirtualClock) {}

  now(): number {
    return this.clock.now();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    const action = new VirtualAction<T>(this.clock, work);
    action.schedule(state, delay);
    return action;
  }
}

class VirtualAction<T> extends Subscription implements SchedulerAction<T> {
  private handle: TimerHandle | undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super(() => this.cancelTimer());
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.cancelTimer();
    this.handle = this.clock.setTimeout(() => {
      this.handle = undefined;
      if (this.closed) return;
      this.work.call(this, state);
    }, delay);
    return this;
  }

  private cancelTimer(): void {
    if (this.handle !== undefined) {
      this.clock.clearTimeout(this.handle);
      this.handle = undefined;
    }
  }
}
