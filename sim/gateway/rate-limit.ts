/**
 * Server-side rate limits of §14 as rolling windows: retrieveBars 50 / 30 s, everything else
 * 200 / 60 s. Login and ping are not counted. Plus the forced-429 fault.
 */

export interface RateLimitSettings {
  enforce: boolean;
  /** Send `Retry-After` (seconds) with a 429; whether the real server does is unconfirmed. */
  retryAfter: boolean;
  barsPerWindow: number;
  barsWindowMs: number;
  otherPerWindow: number;
  otherWindowMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  enforce: true,
  retryAfter: true,
  barsPerWindow: 50,
  barsWindowMs: 30_000,
  otherPerWindow: 200,
  otherWindowMs: 60_000,
};

const UNCOUNTED = new Set(['/api/auth/loginkey', '/api/auth/loginapp', '/api/status/ping']);
const BARS = '/api/history/retrievebars';

export type RateDecision = { limited: false } | { limited: true; retryAfterSeconds: number };

export class RateLimiter {
  private readonly bars: number[] = [];
  private readonly other: number[] = [];
  private forced: { remaining: number; endpoint: string | null } = { remaining: 0, endpoint: null };

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly now: () => number,
  ) {}

  /** Answer the next `count` calls (optionally only to `endpoint`) with 429. */
  force(count: number, endpoint?: string): void {
    this.forced = { remaining: count, endpoint: endpoint ? endpoint.toLowerCase() : null };
  }

  /** `path` lower-cased. Counts the call when it is admitted. */
  admit(path: string): RateDecision {
    if (this.forced.remaining > 0 && (this.forced.endpoint === null || this.forced.endpoint === path)) {
      this.forced.remaining -= 1;
      return { limited: true, retryAfterSeconds: 1 };
    }
    if (!this.settings.enforce || UNCOUNTED.has(path)) return { limited: false };
    const isBars = path === BARS;
    const window = isBars ? this.bars : this.other;
    const limit = isBars ? this.settings.barsPerWindow : this.settings.otherPerWindow;
    const span = isBars ? this.settings.barsWindowMs : this.settings.otherWindowMs;
    const now = this.now();
    while (window.length > 0 && window[0]! <= now - span) window.shift();
    if (window.length >= limit) {
      const retryAfterMs = window[0]! + span - now;
      return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
    }
    window.push(now);
    return { limited: false };
  }
}
