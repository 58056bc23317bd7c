/**
 * Per-source token bucket. Small on purpose: TradingView sends a few alerts a minute per address, so
 * a bucket of `capacity` requests refilled at `refillPerSecond` lets bursts through and stops floods.
 * The table is bounded: the oldest entry is dropped past `maxSources`.
 */

export interface RateLimitOptions {
  /** Burst size: requests a source may make at once. */
  readonly capacity: number;
  readonly refillPerSecond: number;
  /** Extra tokens an authentication failure costs, so guessing secrets is slow. Default 10. */
  readonly authFailureCost?: number;
  readonly maxSources?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: RateLimitOptions) {}

  /** Take `cost` tokens; false (and nothing taken) when the source has too few. */
  take(source: string, now: number, cost = 1): boolean {
    const bucket = this.refilled(source, now);
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }

  /** Charge a penalty even past zero (e.g. a wrong secret): the source waits until it refills. */
  penalise(source: string, now: number, cost = this.options.authFailureCost ?? 10): void {
    const bucket = this.refilled(source, now);
    bucket.tokens = Math.max(-this.options.capacity, bucket.tokens - cost);
  }

  /** Seconds until one token is available. */
  retryAfterSeconds(source: string, now: number): number {
    const bucket = this.refilled(source, now);
    const missing = 1 - bucket.tokens;
    return missing <= 0 ? 0 : Math.ceil(missing / this.options.refillPerSecond);
  }

  private refilled(source: string, now: number): Bucket {
    let bucket = this.buckets.get(source);
    if (!bucket) {
      bucket = { tokens: this.options.capacity, updatedAt: now };
      this.buckets.set(source, bucket);
      const max = this.options.maxSources ?? 10_000;
      if (this.buckets.size > max) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.options.capacity, bucket.tokens + elapsed * this.options.refillPerSecond);
    bucket.updatedAt = now;
    return bucket;
  }
}
