/**
 * Idempotent order placement by `customTag` (projectx-gateway.md §8.3). An ambiguous attempt
 * (timeout, network error, 5xx, 429 after send, place code 6/7) is resolved by looking the tag up:
 * found → adopt that order; not found → retry with the SAME tag (the server's uniqueness rule makes a
 * double order impossible). "Specified custom tag is already in use" → look it up and adopt.
 */
import { AmbiguousMutationError, ProjectXError, ProjectXHttpError } from './errors.ts';
import { describe } from './http.ts';
import type { Order } from './models.ts';
import type { PlaceOrderRequest, ProjectXRest } from './rest.ts';

export type PlaceOutcome =
  | {
      readonly outcome: 'placed';
      readonly orderId: number;
      readonly adopted: boolean;
      readonly order?: Order;
    }
  | { readonly outcome: 'rejected'; readonly code: number; readonly message: string };

export interface PlaceOptions {
  /** Orders created before this time cannot be ours (epoch ms); default: 5 minutes before the first attempt. */
  readonly searchFrom?: number;
  /** Attempts with the same tag while the outcome stays ambiguous (default 4). */
  readonly maxAttempts?: number;
  /** Wait between an ambiguous attempt and its lookup, ms (default 250), doubled per attempt. */
  readonly settleDelayMs?: number;
}

const IN_USE = /already in use/i;

export async function placeOrderIdempotent(
  rest: ProjectXRest,
  request: PlaceOrderRequest & { readonly customTag: string },
  options: PlaceOptions = {},
): Promise<PlaceOutcome> {
  const time = rest.http.time;
  const searchFrom = options.searchFrom ?? time.now() - 5 * 60_000;
  const maxAttempts = options.maxAttempts ?? 4;
  const settle = options.settleDelayMs ?? 250;
  let lastProblem = 'no attempt made';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const orderId = await rest.placeOrder(request);
      return { outcome: 'placed', orderId, adopted: false };
    } catch (error) {
      if (error instanceof ProjectXError && error.code === 2 && IN_USE.test(error.serverMessage ?? '')) {
        // An earlier attempt with this tag reached the server: adopt it, never place again.
        const found = await findByTagPatiently(
          rest,
          request.accountId,
          request.customTag,
          searchFrom,
          settle,
        );
        if (found) return adopted(found);
        return {
          outcome: 'rejected',
          code: 2,
          message: `${error.serverMessage}; no order with tag ${request.customTag} was found`,
        };
      }
      if (error instanceof ProjectXError && !error.ambiguous) {
        return { outcome: 'rejected', code: error.code, message: error.serverMessage ?? error.codeName };
      }
      if (error instanceof ProjectXHttpError && !error.maybeDelivered) {
        return { outcome: 'rejected', code: error.status, message: error.message };
      }
      if (!(error instanceof ProjectXError) && !(error instanceof ProjectXHttpError)) throw error;
      lastProblem = describe(error);
      await time.sleep(settle * 2 ** (attempt - 1));
      const found = await findByTag(rest, request.accountId, request.customTag, searchFrom);
      if (found) return adopted(found);
      // Not found: the attempt never reached the book. Retry with the same tag.
    }
  }
  throw new AmbiguousMutationError(
    '/api/Order/place',
    `tag ${request.customTag} still unresolved after ${maxAttempts} attempts (${lastProblem})`,
  );
}

function adopted(order: Order): PlaceOutcome {
  if (order.state === 'rejected')
    return { outcome: 'rejected', code: 2, message: `order ${order.id} with this tag was rejected` };
  return { outcome: 'placed', orderId: order.id, adopted: true, order };
}

/** The newest order with this tag created at or after `from`, via Order/search, then Order/v2/query. */
export async function findByTag(
  rest: ProjectXRest,
  accountId: number,
  tag: string,
  from: number,
): Promise<Order | undefined> {
  const orders = await rest.searchOrders(accountId, from);
  let match = orders.filter((o) => o.customTag === tag).sort((a, b) => b.id - a.id)[0];
  if (!match) {
    const queried = await rest.queryOrders({ accountId, createdAfter: from });
    match = queried.filter((o) => o.customTag === tag).sort((a, b) => b.id - a.id)[0];
  }
  return match;
}

async function findByTagPatiently(
  rest: ProjectXRest,
  accountId: number,
  tag: string,
  from: number,
  settle: number,
) {
  for (let i = 0; i < 3; i++) {
    const found = await findByTag(rest, accountId, tag, from);
    if (found) return found;
    await rest.http.time.sleep(settle * 2 ** i);
  }
  return undefined;
}
