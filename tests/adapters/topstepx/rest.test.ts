import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalGateway } from '../../../sim/gateway/index.ts';
import { resolveContract } from '../../../src/adapters/topstepx/contracts.ts';
import {
  ProjectXAuthError,
  ProjectXError,
  ProjectXHttpError,
} from '../../../src/adapters/topstepx/errors.ts';
import type { ProjectXRest } from '../../../src/adapters/topstepx/rest.ts';
import { ACCOUNT, client, gateway } from './helpers.ts';

let gw: LocalGateway;
let rest: ProjectXRest;

beforeEach(async () => {
  gw = await gateway();
  rest = client(gw);
});
afterEach(async () => {
  await gw.close();
});

describe('ProjectX REST client against the local gateway', () => {
  it('logs in once and sends the bearer token on every call', async () => {
    await rest.searchAccounts();
    await rest.searchAccounts();
    const logins = gw.restCalls().filter((c) => c.path === '/api/Auth/loginKey');
    expect(logins).toHaveLength(1);
  });

  it('refreshes the token through validate once it is older than refreshAfterMs', async () => {
    let now = 1_000_000;
    const timed = client(gw, {
      time: { now: () => now, sleep: async () => undefined },
      refreshAfterMs: 60_000,
    });
    await timed.searchAccounts();
    now += 61_000;
    await timed.searchAccounts();
    expect(gw.restCalls().filter((c) => c.path === '/api/Auth/validate')).toHaveLength(1);
  });

  it('a bad API key is an auth error that names the settings and never shows the key', async () => {
    const bad = client(gw, { credentials: { userName: 'demo', apiKey: 'super-secret-key' } });
    const error = await bad.searchAccounts().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectXAuthError);
    expect(String((error as Error).message)).toContain('PROJECTX_API_KEY');
    expect(String((error as Error).message)).not.toContain('super-secret-key');
  });

  it('expired tokens get one re-login and the call goes through', async () => {
    await rest.searchAccounts();
    gw.faults.expireTokens();
    const accounts = await rest.searchAccounts();
    expect(accounts[0]?.id).toBe(ACCOUNT);
    expect(gw.restCalls().filter((c) => c.path === '/api/Auth/loginKey')).toHaveLength(2);
  });

  it('resolves a TradingView ticker to the active contract through Contract/available', async () => {
    const es = await resolveContract(rest, 'CME_MINI:ES1!');
    expect(es.id).toBe(gw.activeContractId('ES'));
    expect(es.symbolId).toBe('F.US.EP');
    const nq = await resolveContract(rest, 'NQ1!');
    expect(nq.symbolId).toBe('F.US.ENQ');
    await expect(resolveContract(rest, 'ZB1!')).rejects.toThrow(/unsupported ticker/);
  });

  it('searches contracts, by id (found and not found) and lists available ones', async () => {
    const found = await rest.searchContracts('NQ');
    expect(found.length).toBeGreaterThan(0);
    expect(found.length).toBeLessThanOrEqual(20);
    const id = gw.activeContractId('ES');
    expect((await rest.searchContractById(id))?.tickSize).toBe(0.25);
    expect(await rest.searchContractById('CON.F.US.NOPE.Z99')).toBeNull();
    expect((await rest.availableContracts()).some((c) => c.id === id)).toBe(true);
  });

  it('covers the order endpoints: place, modify, searchOpen, searchById, v2 query, search, cancel', async () => {
    const id = gw.activeContractId('ES');
    await rest.availableContracts();
    gw.pushPrice(id, 5000);
    const orderId = await rest.placeOrder({
      accountId: ACCOUNT,
      contractId: id,
      type: 1,
      side: 0,
      size: 2,
      limitPrice: 4990,
      customTag: 't-e0',
    });
    await rest.modifyOrder({ accountId: ACCOUNT, orderId, limitPrice: 4990.25, size: 1 }, id);
    const open = await rest.searchOpenOrders(ACCOUNT);
    expect(open.map((o) => o.id)).toContain(orderId);
    const byId = await rest.searchOrderById(ACCOUNT, orderId);
    expect(byId).toMatchObject({ limitPrice: 4990.25, size: 1, state: 'working', customTag: 't-e0' });
    expect(await rest.searchOrderById(ACCOUNT, 999_999)).toBeNull();
    const queried = await rest.queryOrders({ accountId: ACCOUNT, statuses: [1, 6, 7, 8], pageSize: 1 });
    expect(queried.map((o) => o.id)).toEqual([orderId]);
    await rest.cancelOrder(ACCOUNT, orderId);
    const all = await rest.searchOrders(ACCOUNT, Date.now() - 60_000);
    expect(all.find((o) => o.id === orderId)?.state).toBe('cancelled');
  });

  it('decodes per-endpoint error codes into ProjectXError with the server message', async () => {
    const id = gw.activeContractId('ES');
    const cancel = await rest.cancelOrder(ACCOUNT, 424242).catch((e: unknown) => e);
    expect(cancel).toBeInstanceOf(ProjectXError);
    expect(cancel).toMatchObject({ endpoint: '/api/Order/cancel', code: 2, codeName: 'OrderNotFound' });
    const modify = await rest
      .modifyOrder({ accountId: ACCOUNT, orderId: 424242, limitPrice: 1 })
      .catch((e: unknown) => e);
    expect(modify).toMatchObject({ endpoint: '/api/Order/modify', code: 2, codeName: 'OrderNotFound' });
    const place = await rest
      .placeOrder({ accountId: 9, contractId: id, type: 2, side: 0, size: 1 })
      .catch((e: unknown) => e);
    expect(place).toMatchObject({ endpoint: '/api/Order/place', code: 1, codeName: 'AccountNotFound' });
    const close = await rest.closeContract(ACCOUNT, id).catch((e: unknown) => e);
    expect(close).toMatchObject({ code: 2, codeName: 'PositionNotFound' });
    const partial = await rest.partialCloseContract(ACCOUNT, id, 1).catch((e: unknown) => e);
    expect(partial).toMatchObject({ endpoint: '/api/Position/partialCloseContract', code: 2 });
    const bars = await rest
      .retrieveBars({
        contractId: 'CON.F.US.NOPE.Z99',
        start: Date.now() - 3_600_000,
        end: Date.now(),
        unit: 2,
        unitNumber: 1,
        limit: 10,
      })
      .catch((e: unknown) => e);
    expect(bars).toMatchObject({
      endpoint: '/api/History/retrieveBars',
      code: 1,
      codeName: 'ContractNotFound',
    });
    const search = await rest.searchOpenPositions(77).catch((e: unknown) => e);
    expect(search).toMatchObject({ code: 1, codeName: 'AccountNotFound' });
  });

  it('covers positions and trades: open, partial close, close, trade search', async () => {
    const id = gw.activeContractId('ES');
    await rest.availableContracts();
    gw.pushPrice(id, 5000);
    await rest.placeOrder({ accountId: ACCOUNT, contractId: id, type: 2, side: 0, size: 3 });
    gw.pushPrice(id, 5000); // market orders fill at the next print
    const [position] = await rest.searchOpenPositions(ACCOUNT);
    expect(position).toMatchObject({ contractId: id, type: 1, size: 3 });
    await rest.partialCloseContract(ACCOUNT, id, 1);
    gw.pushPrice(id, 5001);
    expect((await rest.searchOpenPositions(ACCOUNT))[0]?.size).toBe(2);
    await rest.closeContract(ACCOUNT, id);
    gw.pushPrice(id, 5002);
    expect(await rest.searchOpenPositions(ACCOUNT)).toEqual([]);
    const trades = await rest.searchTrades(ACCOUNT, Date.now() - 60_000);
    expect(trades.map((t) => t.size)).toEqual([3, 1, 2]);
    expect(trades[0]?.profitAndLoss).toBeNull();
    expect(trades[1]?.profitAndLoss).not.toBeNull();
  });

  it('backs off and retries reads through a 429 storm', async () => {
    await rest.searchAccounts();
    gw.faults.retryAfter(false);
    gw.faults.rateLimit(5);
    const accounts = await rest.searchAccounts();
    expect(accounts).toHaveLength(1);
    const statuses = gw.restCalls().map((c) => c.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
  });

  it('honours Retry-After on a 429 for reads', async () => {
    const sleeps: number[] = [];
    const timed = client(gw, { time: { now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) } });
    await timed.searchAccounts();
    gw.faults.rateLimit(1);
    await timed.searchAccounts();
    expect(Math.max(...sleeps)).toBeGreaterThanOrEqual(1_000);
  });

  it('waits as long as Retry-After says, not the growing backoff on top of it', async () => {
    const sleeps: number[] = [];
    const timed = client(gw, {
      time: { now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) },
      readRetry: { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 },
    });
    await timed.searchAccounts();
    gw.faults.rateLimit(6);
    await timed.searchAccounts();
    expect(sleeps).toHaveLength(6);
    expect(sleeps.every((ms) => ms >= 1_000 && ms <= 2_000)).toBe(true);
  });

  it('never retries a mutation after a 429: it reports it as possibly delivered', async () => {
    const id = gw.activeContractId('ES');
    await rest.searchAccounts();
    gw.faults.rateLimit(1, { endpoint: '/api/Order/place' });
    const error = await rest
      .placeOrder({ accountId: ACCOUNT, contractId: id, type: 2, side: 0, size: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectXHttpError);
    expect(error).toMatchObject({ status: 429, maybeDelivered: true });
    expect(gw.restCalls().filter((c) => c.path === '/api/Order/place')).toHaveLength(1);
  });

  it('pings without a token', async () => {
    expect(await rest.ping()).toBe(true);
  });

  it('logs out', async () => {
    await rest.searchAccounts();
    await rest.logout();
    expect(gw.restCalls().some((c) => c.path === '/api/Auth/logout' && c.status === 200)).toBe(true);
  });
});
