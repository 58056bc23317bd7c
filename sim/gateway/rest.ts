/**
 * The REST half of the fake (§3, §4, §7): every endpoint at its exact path, the
 * `{success, errorCode, errorMessage}` envelope with per-endpoint codes, bearer auth, rate limits and
 * the ambiguous-placement faults.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AmbiguousMode,
  AmbiguousOutcomes,
  type MutationEndpoint,
  SERVER_ERROR,
} from './ambiguous-outcomes.ts';
import type { BarHistory } from './bars.ts';
import type { Exchange, Outcome } from './exchange.ts';
import type { RateLimiter } from './rate-limit.ts';
import { type OrderRecord, renderOrder, renderPosition, renderTrade } from './records.ts';
import {
  type Body,
  parseBody,
  problemDetails,
  readBool,
  readBracket,
  readInt,
  readIntList,
  readNumber,
  readObject,
  readString,
  readTime,
  ValidationFailure,
} from './request-body.ts';
import { bearerToken, type Sessions } from './sessions.ts';
import type { GatewayContractSetup, GatewayQuirks, HoldPlaceMode } from './types.ts';
import { isoTimestamp, type TimestampStyle, toWireJson } from './wire-format.ts';

export interface RestContext {
  exchange: Exchange;
  sessions: Sessions;
  limiter: RateLimiter;
  bars: BarHistory;
  quirks: GatewayQuirks;
  now: () => number;
  credentials: { userName: string; apiKey: string };
  entityTimestamps: TimestampStyle;
  barTimestamps: TimestampStyle;
  ambiguousHoldMs: number;
  /** Called after a login when single-login is on, and on Auth/logout. */
  onLogin: (token: string) => void;
}

type Reply =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'text'; status: number; body: string }
  | { kind: 'hold'; commit: (() => void) | null };

interface RequestInfo {
  body: Body;
  token: string | null;
}

type Handler = (request: RequestInfo) => Reply;

const PUBLIC_PATHS = new Set(['/api/auth/loginkey', '/api/auth/loginapp', '/api/status/ping']);

export interface RestCall {
  path: string;
  at: number;
  status: number;
}

export class RestApi {
  private readonly routes: Map<string, { method: 'GET' | 'POST'; handler: Handler }>;
  readonly calls: RestCall[] = [];
  private readonly ambiguous = new AmbiguousOutcomes();
  private retryAfterEnabled = true;
  /** Held placements commit before any later request is answered, so a lookup always sees them. */
  private readonly pendingCommits: (() => void)[] = [];

  constructor(private readonly ctx: RestContext) {
    this.routes = new Map(
      Object.entries(this.handlers()).map(([path, handler]) => [
        path.toLowerCase(),
        { method: path === '/api/Status/ping' ? 'GET' : 'POST', handler },
      ]),
    );
  }

  holdNextPlace(mode: HoldPlaceMode): void {
    this.ambiguous.armPlace(mode);
  }

  ambiguousNext(endpoint: MutationEndpoint, mode: AmbiguousMode): void {
    this.ambiguous.arm(endpoint, mode);
  }

  handles(path: string): boolean {
    return path.toLowerCase().startsWith('/api/');
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    this.runPendingCommits();
    const key = path.toLowerCase();
    const text = await readText(req);
    const route = this.routes.get(key);
    if (!route) return this.send(res, path, { kind: 'text', status: 404, body: '' });
    if (req.method !== route.method) return this.send(res, path, { kind: 'text', status: 405, body: '' });
    const decision = this.ctx.limiter.admit(key);
    if (decision.limited) {
      if (this.retryAfterEnabled) res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      return this.send(res, path, { kind: 'text', status: 429, body: '' });
    }
    const token = bearerToken(req.headers.authorization);
    if (!PUBLIC_PATHS.has(key)) {
      const check = this.ctx.sessions.check(token);
      if (!check.ok) {
        res.setHeader(
          'WWW-Authenticate',
          check.reason === 'expired'
            ? 'Bearer error="invalid_token", error_description="The token expired"'
            : 'Bearer',
        );
        return this.send(res, path, { kind: 'text', status: 401, body: '' });
      }
    }
    let reply: Reply;
    try {
      reply = route.handler({ body: parseBody(text), token });
    } catch (error) {
      if (!(error instanceof ValidationFailure)) throw error;
      reply = { kind: 'json', status: 400, body: problemDetails(error.errors) };
    }
    if (reply.kind === 'hold') return this.hold(req, res, path, reply.commit);
    this.send(res, path, reply);
  }

  /** Whether a 429 carries `Retry-After` (unconfirmed on the real server, §14). */
  setRetryAfter(enabled: boolean): void {
    this.retryAfterEnabled = enabled;
  }

  private runPendingCommits(): void {
    while (this.pendingCommits.length > 0) this.pendingCommits.shift()!();
  }

  /** Never answer: commit (or not) once the client gives up or the hold ends, then drop the socket. */
  private hold(req: IncomingMessage, res: ServerResponse, path: string, commit: (() => void) | null): void {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const index = commit ? this.pendingCommits.indexOf(commit) : -1;
      if (index >= 0) this.pendingCommits.splice(index, 1);
      commit?.();
      this.calls.push({ path, at: this.ctx.now(), status: 0 });
      req.socket.destroy();
    };
    if (commit) this.pendingCommits.push(commit);
    const timer = setTimeout(finish, this.ctx.ambiguousHoldMs);
    res.on('close', finish);
  }

  private send(res: ServerResponse, path: string, reply: Exclude<Reply, { kind: 'hold' }>): void {
    this.calls.push({ path, at: this.ctx.now(), status: reply.status });
    if (reply.kind === 'text') {
      res.writeHead(reply.status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(reply.body);
      return;
    }
    const type = reply.status === 400 ? 'application/problem+json' : 'application/json; charset=utf-8';
    res.writeHead(reply.status, { 'content-type': type });
    res.end(toWireJson(reply.body, this.ctx.quirks.nineDigitDecimals));
  }

  // ---------------------------------------------------------------- envelopes

  private ok(payload: Record<string, unknown> = {}): Reply {
    const body: Record<string, unknown> = { ...payload, success: true, errorCode: 0, errorMessage: null };
    if (this.ctx.quirks.nullLists) {
      for (const [key, value] of Object.entries(body))
        if (Array.isArray(value) && value.length === 0) body[key] = null;
    }
    return { kind: 'json', status: 200, body };
  }

  private failure(
    errorCode: number,
    errorMessage: string | null,
    payload: Record<string, unknown> = {},
  ): Reply {
    return { kind: 'json', status: 200, body: { ...payload, success: false, errorCode, errorMessage } };
  }

  private outcome(result: { errorCode: number; errorMessage: string | null }): Reply {
    return result.errorCode === 0 ? this.ok() : this.failure(result.errorCode, result.errorMessage);
  }

  /** Orders that searches may return: all, or without rejections under the quirk. */
  private searchable(accountId: number): OrderRecord[] {
    const orders = this.ctx.exchange.orderList(accountId);
    return this.ctx.quirks.rejectedOrdersHiddenFromSearch ? orders.filter((o) => o.status !== 5) : orders;
  }

  private renderOrders(orders: OrderRecord[], omitTag = false): Record<string, unknown>[] {
    return orders.map((order) => {
      const wire: Record<string, unknown> = { ...renderOrder(order, this.ctx.entityTimestamps) };
      if (omitTag) delete wire['customTag'];
      return wire;
    });
  }

  // ---------------------------------------------------------------- endpoints

  private handlers(): Record<string, Handler> {
    const { exchange, sessions, credentials } = this.ctx;
    const accountExists = (id: number): boolean => exchange.account(id) !== undefined;
    return {
      '/api/Auth/loginKey': ({ body }) => {
        const userName = readString(body, 'userName', true);
        const apiKey = readString(body, 'apiKey', true);
        if (userName !== credentials.userName || apiKey !== credentials.apiKey) {
          return this.failure(3, 'Invalid credentials', { token: null });
        }
        const token = sessions.issue(userName);
        this.ctx.onLogin(token);
        return this.ok({ token });
      },
      '/api/Auth/loginApp': ({ body }) => {
        for (const field of ['userName', 'password', 'deviceId', 'appId', 'verifyKey'])
          readString(body, field, true);
        return this.failure(4, 'Application login is not supported; use Auth/loginKey.', { token: null });
      },
      '/api/Auth/validate': ({ token }) => {
        const check = sessions.check(token);
        if (!check.ok) return this.failure(1, 'Invalid session', { newToken: null });
        return this.ok({ newToken: sessions.issue(check.userName) });
      },
      '/api/Auth/logout': ({ token }) => {
        if (token) sessions.revoke(token);
        return this.ok();
      },
      '/api/Status/ping': () => ({ kind: 'text', status: 200, body: 'pong' }),
      '/api/Account/search': ({ body }) => {
        const onlyActive = readBool(body, 'onlyActiveAccounts', true);
        const accounts = exchange
          .accountList()
          .filter((a) => !onlyActive || a.canTrade)
          .map(({ id, name, balance, canTrade, isVisible, simulated }) => ({
            id,
            name,
            balance,
            canTrade,
            isVisible,
            simulated,
          }));
        return this.ok({ accounts });
      },
      '/api/Contract/search': ({ body }) => {
        const searchText = (readString(body, 'searchText', false) ?? '').toLowerCase();
        readBool(body, 'live', true);
        const contracts = exchange
          .contractList()
          .filter((c) =>
            [c.id, c.name, c.description, c.symbolId].some((field) =>
              field.toLowerCase().includes(searchText),
            ),
          )
          .slice(0, 20)
          .map(publicContract);
        return this.ok({ contracts });
      },
      '/api/Contract/searchById': ({ body }) => {
        const contractId = readString(body, 'contractId', true);
        const contract = exchange.contract(contractId);
        if (!contract) return this.failure(1, `Contract ${contractId} not found`, { contract: null });
        return this.ok({ contract: publicContract(contract) });
      },
      '/api/Contract/available': ({ body }) => {
        readBool(body, 'live', true);
        return this.ok({
          contracts: exchange
            .contractList()
            .filter((c) => c.activeContract)
            .map(publicContract),
        });
      },
      '/api/History/retrieveBars': ({ body }) => this.retrieveBars(body),
      '/api/Order/search': ({ body }) => {
        const accountId = readInt(body, 'accountId', true);
        const start = readTime(body, 'startTimestamp', true) ?? 0;
        const end = readTime(body, 'endTimestamp', false) ?? Number.POSITIVE_INFINITY;
        if (!accountExists(accountId))
          return this.failure(1, `Account ${accountId} not found`, { orders: null });
        const orders = this.searchable(accountId).filter((o) => o.createdAt >= start && o.createdAt <= end);
        return this.ok({ orders: this.renderOrders(orders) });
      },
      '/api/Order/searchOpen': ({ body }) => {
        const accountId = readInt(body, 'accountId', true);
        if (!accountExists(accountId))
          return this.failure(1, `Account ${accountId} not found`, { orders: null });
        // Suspended bracket children are not "open" here (§4.5).
        const orders = exchange
          .orderList(accountId)
          .filter((o) => o.status === 1 || o.status === 6 || o.status === 7);
        return this.ok({ orders: this.renderOrders(orders, this.ctx.quirks.omitCustomTagInSearchOpen) });
      },
      '/api/Order/searchById': ({ body }) => {
        const accountId = readInt(body, 'accountId', true);
        const orderId = readInt(body, 'orderId', true);
        const order = exchange.order(orderId);
        if (!order || order.accountId !== accountId)
          return this.failure(1, `Order ${orderId} not found`, { order: null });
        return this.ok({ order: this.renderOrders([order])[0] });
      },
      '/api/Order/v2/query': ({ body }) => this.queryOrders(body),
      '/api/Order/place': ({ body }) => this.place(body),
      '/api/Order/modify': ({ body }) => {
        const request = {
          accountId: readInt(body, 'accountId', true),
          orderId: readInt(body, 'orderId', true),
          size: readInt(body, 'size', false),
          limitPrice: readNumber(body, 'limitPrice'),
          stopPrice: readNumber(body, 'stopPrice'),
          trailPrice: readNumber(body, 'trailPrice'),
        };
        return this.mutate('/api/order/modify', () => exchange.modify(request), {});
      },
      '/api/Order/cancel': ({ body }) => {
        const accountId = readInt(body, 'accountId', true);
        const orderId = readInt(body, 'orderId', true);
        return this.mutate('/api/order/cancel', () => exchange.cancel(accountId, orderId), {});
      },
      '/api/Position/searchOpen': ({ body }) => {
        const accountId = readInt(body, 'accountId', true);
        if (!accountExists(accountId))
          return this.failure(1, `Account ${accountId} not found`, { positions: null });
        const positions = exchange
          .openPositions(accountId)
          .map((p) => renderPosition(p, this.ctx.entityTimestamps));
        return this.ok({ positions });
      },
      '/api/Position/closeContract': ({ body }) => {
        const accountId = readInt(body, 'accountId', true);
        const contractId = readString(body, 'contractId', true);
        return this.mutate(
          '/api/position/closecontract',
          () => exchange.closeContract(accountId, contractId),
          {},
        );
      },
      '/api/Position/partialCloseContract': ({ body }) => {
        const accountId = readInt(body, 'accountId', true);
        const contractId = readString(body, 'contractId', true);
        const size = readInt(body, 'size', true);
        return this.mutate(
          '/api/position/partialclosecontract',
          () => exchange.partialCloseContract(accountId, contractId, size),
          {},
        );
      },
      '/api/Trade/search': ({ body }) => {
        const accountId = readInt(body, 'accountId', true);
        const start = readTime(body, 'startTimestamp', false) ?? 0;
        const end = readTime(body, 'endTimestamp', false) ?? Number.POSITIVE_INFINITY;
        if (!accountExists(accountId))
          return this.failure(1, `Account ${accountId} not found`, { trades: null });
        const trades = exchange
          .tradeList(accountId)
          .filter((t) => t.createdAt >= start && t.createdAt <= end)
          .map((t) => renderTrade(t, this.ctx.entityTimestamps));
        return this.ok({ trades });
      },
    };
  }

  private place(body: Body): Reply {
    const request = {
      accountId: readInt(body, 'accountId', true),
      contractId: readString(body, 'contractId', true),
      type: readInt(body, 'type', true),
      side: readInt(body, 'side', true),
      size: readInt(body, 'size', true),
      limitPrice: readNumber(body, 'limitPrice'),
      stopPrice: readNumber(body, 'stopPrice'),
      trailPrice: readNumber(body, 'trailPrice'),
      customTag: readString(body, 'customTag', false) ?? null,
      linkedOrderId: readInt(body, 'linkedOrderId', false) ?? null,
      stopLossBracket: readBracket(body, 'stopLossBracket'),
      takeProfitBracket: readBracket(body, 'takeProfitBracket'),
    };
    return this.mutate(
      '/api/order/place',
      () => this.ctx.exchange.place(request),
      { orderId: null },
      (outcome) =>
        outcome.errorCode === 0
          ? this.ok({ orderId: outcome.orderId })
          : this.failure(outcome.errorCode, outcome.errorMessage, { orderId: outcome.orderId }),
    );
  }

  /**
   * Runs a mutation, unless an ambiguous outcome was armed for this endpoint: then the client cannot
   * tell whether it happened (§7 Ambiguous codes, §8.3).
   */
  private mutate<T extends Outcome>(
    key: string,
    apply: () => T,
    ambiguousPayload: Record<string, unknown>,
    reply: (outcome: T) => Reply = (outcome) => this.outcome(outcome),
  ): Reply {
    const armed = this.ambiguous.take(key);
    if (!armed) return reply(apply());
    switch (armed.mode) {
      case 'timeout-then-apply':
        return { kind: 'hold', commit: () => void apply() };
      case 'timeout-no-apply':
        return { kind: 'hold', commit: null };
      case 'server-error-then-apply':
        apply();
        return { kind: 'json', status: 500, body: SERVER_ERROR };
      case 'pending-then-apply':
        apply();
        return this.failure(armed.codes.pending, null, ambiguousPayload);
      case 'unknown-error-no-apply':
        return this.failure(armed.codes.unknown, null, ambiguousPayload);
    }
  }

  private queryOrders(body: Body): Reply {
    const filter = readObject(body, 'filter', true)!;
    const accountId = prefixed('filter', () => readInt(filter, 'accountId', true));
    const statuses = prefixed('filter', () => readIntList(filter, 'statuses'));
    const contractId = prefixed('filter', () => readString(filter, 'contractId', false));
    const after =
      prefixed('filter', () => readTime(filter, 'createdAfter', false)) ?? Number.NEGATIVE_INFINITY;
    const before =
      prefixed('filter', () => readTime(filter, 'createdBefore', false)) ?? Number.POSITIVE_INFINITY;
    const pageSize = readInt(body, 'pageSize', false) ?? 100;
    const pageOffset = readInt(body, 'pageOffset', false) ?? 0;
    const sortBy = readInt(body, 'sortBy', false) ?? 0;
    const sortDirection = readInt(body, 'sortDirection', false) ?? 0;
    const includeTotalCount = readBool(body, 'includeTotalCount', false) ?? false;
    if (pageSize < 1 || pageSize > 1000)
      throw new ValidationFailure({ pageSize: ['pageSize must be between 1 and 1000.'] });
    if (pageOffset < 0) throw new ValidationFailure({ pageOffset: ['pageOffset must be 0 or more.'] });
    if (this.ctx.exchange.account(accountId) === undefined)
      return this.failure(1, `Account ${accountId} not found`, { orders: null });
    const matching = this.searchable(accountId)
      .filter(
        (o) =>
          (!statuses || statuses.includes(o.status)) &&
          (!contractId || o.contract.id === contractId) &&
          o.createdAt >= after &&
          o.createdAt <= before,
      )
      .sort((a, b) => {
        const primary = sortBy === 1 ? a.id - b.id : a.createdAt - b.createdAt || a.id - b.id;
        return sortDirection === 1 ? -primary : primary;
      });
    const page = matching.slice(pageOffset, pageOffset + pageSize);
    const payload: Record<string, unknown> = { orders: this.renderOrders(page) };
    if (includeTotalCount) payload['totalCount'] = matching.length;
    return this.ok(payload);
  }

  private retrieveBars(body: Body): Reply {
    const contractId = readString(body, 'contractId', true);
    readBool(body, 'live', true);
    const startMs = readTime(body, 'startTime', true)!;
    const endMs = readTime(body, 'endTime', true)!;
    const unit = readInt(body, 'unit', true);
    const unitNumber = readInt(body, 'unitNumber', true);
    const limit = readInt(body, 'limit', true);
    const includePartialBar = readBool(body, 'includePartialBar', true)!;
    if (startMs >= endMs) throw new ValidationFailure({ startTime: ['startTime must be before endTime.'] });
    const contract = this.ctx.exchange.contract(contractId);
    if (!contract) return this.failure(1, `Contract ${contractId} not found`, { bars: null });
    if (unit < 1 || unit > 7)
      return this.failure(2, `Invalid unit ${unit}; use 1 Second … 7 Tick`, { bars: null });
    if (unitNumber < 1)
      return this.failure(3, `Invalid unitNumber ${unitNumber}; it must be 1 or more`, { bars: null });
    if (limit < 1 || limit > 20_000)
      return this.failure(4, `Invalid limit ${limit}; it must be 1..20000`, { bars: null });
    const bars = this.ctx.bars
      .retrieve({
        contract,
        startMs,
        endMs,
        unit,
        unitNumber,
        limit,
        includePartialBar,
        nowMs: this.ctx.now(),
      })
      .map((bar) => ({ ...bar, t: isoTimestamp(bar.t, this.ctx.barTimestamps) }));
    return this.ok({ bars });
  }
}

function prefixed<T>(prefix: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ValidationFailure)) throw error;
    const errors: Record<string, string[]> = {};
    for (const [field, messages] of Object.entries(error.errors)) errors[`${prefix}.${field}`] = messages;
    throw new ValidationFailure(errors);
  }
}

function publicContract(contract: GatewayContractSetup): Record<string, unknown> {
  const { id, name, description, tickSize, tickValue, activeContract, symbolId } = contract;
  return { id, name, description, tickSize, tickValue, activeContract, symbolId };
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
