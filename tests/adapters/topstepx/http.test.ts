/** Envelope and transport edge cases against a tiny fixture server answering recorded payloads. */

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectXError, ProjectXHttpError } from '../../../src/adapters/topstepx/errors.ts';
import { ProjectXHttp } from '../../../src/adapters/topstepx/http.ts';
import { placeOrderIdempotent } from '../../../src/adapters/topstepx/place.ts';
import { ProjectXRest } from '../../../src/adapters/topstepx/rest.ts';

const payloads = JSON.parse(readFileSync(new URL('./fixtures/rest-payloads.json', import.meta.url), 'utf8'));

type Answer = {
  status?: number;
  body?: unknown;
  raw?: string;
  hang?: boolean;
  headers?: Record<string, string>;
};
let answers: Record<string, Answer[]>;
let seen: { path: string; auth: string | undefined; body: string }[];
let server: Server;
let baseUrl: string;

beforeEach(async () => {
  answers = {};
  seen = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '';
      seen.push({ path, auth: req.headers.authorization, body });
      if (path === '/api/Auth/loginKey')
        return void res.end(
          JSON.stringify({ token: 'tok-1', success: true, errorCode: 0, errorMessage: null }),
        );
      if (path === '/api/Auth/validate')
        return void res.end(
          JSON.stringify({ newToken: 'tok-2', success: true, errorCode: 0, errorMessage: null }),
        );
      const answer = answers[path]?.shift() ?? { status: 404, raw: 'no fixture' };
      if (answer.hang) return; // never answer
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.raw ?? JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const rest = (timeoutMs = 300) =>
  new ProjectXRest(
    new ProjectXHttp({
      baseUrl,
      credentials: { userName: 'u', apiKey: 'k' },
      requestTimeoutMs: timeoutMs,
      readRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    }),
  );

describe('envelopes and transport errors', () => {
  it('reads recorded payloads: contracts, orders, positions, trades, bars sorted ascending', async () => {
    answers['/api/Contract/available'] = [{ body: payloads.contractAvailable }];
    answers['/api/Order/search'] = [{ body: payloads.orderSearch }];
    answers['/api/History/retrieveBars'] = [{ body: payloads.retrieveBars }];
    const client = rest();
    expect((await client.availableContracts()).map((c) => c.id)).toHaveLength(3);
    expect((await client.searchOrders(704, 0)).map((o) => o.state)).toEqual(['filled', 'unknown']);
    const bars = await client.retrieveBars({
      contractId: 'CON.F.US.RTY.Z24',
      start: 0,
      end: 1,
      unit: 3,
      unitNumber: 1,
      limit: 2,
    });
    expect(bars.map((b) => b.open)).toEqual([2195.8, 2208.1]);
    expect(seen.find((s) => s.path === '/api/Order/search')?.auth).toBe('Bearer tok-1');
  });

  it('keeps a null list apart from an empty one', async () => {
    answers['/api/Order/search'] = [{ body: { success: true, errorCode: 0, orders: null } }];
    expect(await rest().searchOrdersOrNull(1, 0)).toBeNull();
  });

  it('a rejection that carries an orderId is still a rejection', async () => {
    answers['/api/Order/place'] = [{ body: payloads.placeRejectedWithId }];
    const outcome = await placeOrderIdempotent(rest(), {
      accountId: 1,
      contractId: 'C',
      type: 2,
      side: 0,
      size: 1,
      customTag: 'x-e0',
    });
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      code: 2,
      message: expect.stringMatching(/Auto OCO/),
    });
  });

  it('treats success:true with a non-zero errorCode as an inconsistent envelope', async () => {
    answers['/api/Account/search'] = [
      { body: { success: true, errorCode: 3, errorMessage: null, accounts: [] } },
    ];
    const error = await rest()
      .searchAccounts()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectXError);
    expect(String(error)).toMatch(/inconsistent envelope/);
  });

  it('reports a 400 ProblemDetails and a non-JSON body with the endpoint', async () => {
    answers['/api/Order/v2/query'] = [
      { status: 400, body: { title: 'One or more validation errors occurred.', status: 400 } },
    ];
    const bad = await rest()
      .queryOrders({ accountId: 1 })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, maybeDelivered: false, endpoint: '/api/Order/v2/query' });
    answers['/api/Position/searchOpen'] = [{ raw: '<html>oops</html>' }, { raw: '<html>oops</html>' }];
    const html = await rest()
      .searchOpenPositions(1)
      .catch((e: unknown) => e);
    expect(html).toBeInstanceOf(ProjectXHttpError);
    expect(String(html)).toMatch(/Position\/searchOpen.*not JSON/);
  });

  it('retries a read after 5xx, but a mutation that times out is reported as possibly delivered', async () => {
    answers['/api/Trade/search'] = [{ status: 503, raw: '' }, { body: payloads.tradeSearch }];
    expect(await rest().searchTrades(1, 0)).toHaveLength(2);
    answers['/api/Order/cancel'] = [{ hang: true }];
    const error = await rest(100)
      .cancelOrder(1, 2)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, maybeDelivered: true });
    expect(seen.filter((s) => s.path === '/api/Order/cancel')).toHaveLength(1);
  });

  it('decodes the ambiguous codes of each mutation', async () => {
    answers['/api/Order/modify'] = [{ body: { success: false, errorCode: 4, errorMessage: null } }];
    answers['/api/Position/partialCloseContract'] = [
      { body: { success: false, errorCode: 8, errorMessage: null } },
    ];
    const modify = (await rest()
      .modifyOrder({ accountId: 1, orderId: 2, size: 1 })
      .catch((e: unknown) => e)) as ProjectXError;
    expect([modify.codeName, modify.ambiguous]).toEqual(['Pending', true]);
    const partial = (await rest()
      .partialCloseContract(1, 'C', 1)
      .catch((e: unknown) => e)) as ProjectXError;
    expect([partial.codeName, partial.ambiguous]).toEqual(['UnknownError', true]);
  });

  it('an unreachable server is a network error naming the endpoint, never the key', async () => {
    const closed = new ProjectXRest({
      baseUrl: 'http://127.0.0.1:1',
      credentials: { userName: 'u', apiKey: 'secret-key' },
      readRetry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const error = await closed.searchAccounts().catch((e: unknown) => e);
    expect(String(error)).toMatch(/Auth\/loginKey failed: network error/);
    expect(String(error)).not.toContain('secret-key');
  });
});
