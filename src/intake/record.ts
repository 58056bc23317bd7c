/**
 * The row an intake result becomes in the `alerts` table (the Store port's AlertRecord). Shared by the
 * Node receiver and the Edge Function relay so both store the same thing for the same delivery.
 */
import type { AlertRecord } from '../ports/store.ts';
import type { IntakeResult } from './index.ts';

export interface DeliveryMeta {
  readonly receivedAt: number;
  readonly sourceAddress?: string | undefined;
  readonly contentType?: string | undefined;
}

/** The record to store, or undefined for an authentication failure (never stored). */
export function alertRecordOf(result: IntakeResult, meta: DeliveryMeta): AlertRecord | undefined {
  const base = {
    idempotencyKey: result.key,
    receivedAt: meta.receivedAt,
    sourceAddress: meta.sourceAddress || null,
    contentType: meta.contentType ?? '',
    rawBody: result.storedBody,
  };
  if (!result.ok) {
    if (!result.store) return undefined;
    return { ...base, parsed: null, status: 'rejected', reason: `${result.status}: ${result.error}` };
  }
  const warning = result.warnings.length > 0 ? `warning: ${result.warnings.join('; ')}` : null;
  return {
    ...base,
    parsed: result.alert,
    status: result.outcome === 'accepted' ? 'received' : 'ignored',
    reason: result.reason ?? warning,
  };
}
