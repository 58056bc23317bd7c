/**
 * Ambiguous mutation outcomes (§7 "Ambiguous codes", §8.3, §17): armed per endpoint, each fires
 * once. The client cannot tell from the reply whether the mutation happened.
 */
import type { HoldPlaceMode } from './types.ts';

export type AmbiguousMode =
  | 'timeout-then-apply'
  | 'timeout-no-apply'
  | 'server-error-then-apply'
  | 'pending-then-apply'
  | 'unknown-error-no-apply';

export const MUTATION_ENDPOINTS = [
  '/api/Order/place',
  '/api/Order/modify',
  '/api/Order/cancel',
  '/api/Position/closeContract',
  '/api/Position/partialCloseContract',
] as const;
export type MutationEndpoint = (typeof MUTATION_ENDPOINTS)[number];

/** Each endpoint's own Pending and UnknownError codes (§7). */
const AMBIGUOUS_CODES: Record<string, { pending: number; unknown: number }> = {
  '/api/order/place': { pending: 6, unknown: 7 },
  '/api/order/modify': { pending: 4, unknown: 5 },
  '/api/order/cancel': { pending: 4, unknown: 5 },
  '/api/position/closecontract': { pending: 6, unknown: 7 },
  '/api/position/partialclosecontract': { pending: 7, unknown: 8 },
};

const PLACE_MODES: Record<HoldPlaceMode, AmbiguousMode> = {
  'timeout-then-create': 'timeout-then-apply',
  'timeout-no-create': 'timeout-no-apply',
  'server-error-then-create': 'server-error-then-apply',
  'pending-then-create': 'pending-then-apply',
  'unknown-error-no-create': 'unknown-error-no-apply',
};

export const SERVER_ERROR = {
  type: 'https://tools.ietf.org/html/rfc9110#section-15.6.1',
  title: 'An error occurred while processing your request.',
  status: 500,
};

export class AmbiguousOutcomes {
  /** Armed outcomes by lower-cased mutation path. */
  private readonly armed = new Map<string, AmbiguousMode>();

  armPlace(mode: HoldPlaceMode): void {
    this.armed.set('/api/order/place', PLACE_MODES[mode]);
  }

  arm(endpoint: MutationEndpoint, mode: AmbiguousMode): void {
    const key = endpoint.toLowerCase();
    if (!(key in AMBIGUOUS_CODES)) {
      throw new Error(
        `ambiguousNext: '${endpoint}' is not a mutation endpoint; use one of ${MUTATION_ENDPOINTS.join(', ')}`,
      );
    }
    this.armed.set(key, mode);
  }

  /** The armed outcome for `key` (lower-cased path), consumed, with that endpoint's codes. */
  take(key: string): { mode: AmbiguousMode; codes: { pending: number; unknown: number } } | null {
    const mode = this.armed.get(key);
    const codes = AMBIGUOUS_CODES[key];
    if (mode === undefined || !codes) return null;
    this.armed.delete(key);
    return { mode, codes };
  }
}
