import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../../sim/gateway/index.ts';
import { placeOrderIdempotent } from '../../../src/adapters/topstepx/place.ts';
import type { ProjectXRest } from '../../../src/adapters/topstepx/rest.ts';
import { ACCOUNT, client, gateway } from './helpers.ts';

let gw: LocalGateway;
let rest: ProjectXRest;
let contractId: string;

beforeEach(async () => {
  gw = await gateway();
  rest = client(gw, { requestTimeoutMs: 200 });
  contractId = gw.activeContractId('ES');
  gw.pushPrice(contractId, 5000);
});
afterEach(async () => {
  await gw.close();
});

const limitBuy = (tag: string) =>
  ({ accountId: ACCOUNT, contractId, type: 1, side: 0, size: 1, limitPrice: 4990, customTag: tag }) as const;

const withTag = (tag: string) => gw.orders(ACCOUNT).filter((o) => o.customTag === tag);

describe('ambiguous order placement is resolved by customTag, never duplicated', () => {
  it.each([
    'timeout-then-create',
    'timeout-no-create',
    'server-error-then-create',
    'pending-then-create',
    'unknown-error-no-create',
  ] as const)('%s ends with exactly one order carrying the tag', async (mode) => {
    gw.faults.holdNextPlace(mode);
    const outcome = await placeOrderIdempotent(rest, limitBuy(`amb-${mode.length}`), { settleDelayMs: 20 });
    expect(outcome.outcome).toBe('placed');
    const orders = withTag(`amb-${mode.length}`);
    expect(orders).toHaveLength(1);
    if (outcome.outcome === 'placed') expect(outcome.orderId).toBe(orders[0]!.id);
  });

  it('adopts the existing order when the tag is already in use', async () => {
    const first = await placeOrderIdempotent(rest, limitBuy('dup-e0'));
    const second = await placeOrderIdempotent(rest, limitBuy('dup-e0'), { settleDelayMs: 5 });
    expect(first).toMatchObject({ outcome: 'placed', adopted: false });
    expect(second).toMatchObject({ outcome: 'placed', adopted: true });
    if (first.outcome === 'placed' && second.outcome === 'placed') expect(second.orderId).toBe(first.orderId);
    expect(withTag('dup-e0')).toHaveLength(1);
  });

  it('returns a business rejection with its code and message, without retrying', async () => {
    const outcome = await placeOrderIdempotent(rest, { ...limitBuy('bad-e0'), size: 0 });
    expect(outcome).toMatchObject({ outcome: 'rejected', code: 2 });
    expect(gw.restCalls().filter((c) => c.path === '/api/Order/place')).toHaveLength(1);
  });
});
