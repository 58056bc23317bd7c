/**
 * Client-side rate limiting (projectx-gateway.md §14): rolling windows that wait rather than fail.
 * The clock is pluggable so tests drive time themselves.
 */

export interface TimeSource {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemTime: TimeSource = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** At most `limit` acquisitions in any `windowMs` span. Callers are served in arrival order. */
export class SlidingWindowLimiter {
  private readonly stamps: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly time: TimeSource = systemTime,
  ) {
    if (!(limit > 0) || !(windowMs > 0)) throw new Error('rate limit: limit and windowMs must be above zero');
  }

  /** Resolves when one more request fits in the window; records it. */
  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.waitForSlot());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** How long the next acquisition would wait now, ms. */
  delayNow(): number {
    this.prune(this.time.now());
    if (this.stamps.length < this.limit) return 0;
    return this.stamps[0]! + this.windowMs - this.time.now();
  }

  get inWindow(): number {
    this.prune(this.time.now());
    return this.stamps.length;
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const wait = this.delayNow();
      if (wait <= 0) break;
      await this.time.sleep(wait);
    }
    this.stamps.push(this.time.now());
  }

  private prune(now: number): void {
    while (this.stamps.length > 0 && this.stamps[0]! <= now - this.windowMs) this.stamps.shift();
  }
}
