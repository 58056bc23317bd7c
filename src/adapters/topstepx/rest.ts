/**
 * ProjectX REST endpoints (projectx-gateway.md §4) over ProjectXHttp. Reads return parsed models with
 * prices on the contract's tick grid; `null` list payloads stay `null` where the caller must know
 * "absent" from "empty" (`*OrNull` methods), and become `[]` elsewhere.
 */
import { decimalsOf, type TickGrid } from '../../domain/ticks.ts';
import { ProjectXError } from './errors.ts';
import { ProjectXHttp, type ProjectXHttpOptions } from './http.ts';
import {
  type Account,
  type Contract,
  type HalfTrade,
  type Order,
  type Position,
  type ProjectXBar,
  readAccount,
  readBar,
  readContract,
  readHalfTrade,
  readList,
  readOrder,
  readPosition,
  toIso,
} from './models.ts';

export interface PlaceOrderRequest {
  readonly accountId: number;
  readonly contractId: string;
  /** OrderType code: 1 Limit, 2 Market, 4 Stop, 5 TrailingStop, 6 JoinBid, 7 JoinAsk. */
  readonly type: number;
  /** 0 buy, 1 sell. */
  readonly side: number;
  readonly size: number;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  readonly trailPrice?: number;
  readonly customTag?: string;
  readonly stopLossBracket?: { readonly ticks: number; readonly type: number };
  readonly takeProfitBracket?: { readonly ticks: number; readonly type: number };
}

export interface ModifyOrderRequest {
  readonly accountId: number;
  readonly orderId: number;
  readonly size?: number;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  readonly trailPrice?: number;
}

export interface OrderQuery {
  readonly accountId: number;
  readonly statuses?: readonly number[];
  readonly contractId?: string;
  readonly createdAfter?: number;
  readonly createdBefore?: number;
  readonly pageSize?: number;
  readonly pageOffset?: number;
  /** 0 CreatedAt, 1 Id. */
  readonly sortBy?: number;
  /** 0 Asc, 1 Desc. */
  readonly sortDirection?: number;
}

export interface BarsRequest {
  readonly contractId: string;
  readonly live?: boolean;
  readonly start: number;
  readonly end: number;
  readonly unit: number;
  readonly unitNumber: number;
  readonly limit: number;
  readonly includePartialBar?: boolean;
}

export class ProjectXRest {
  readonly http: ProjectXHttp;
  private readonly grids = new Map<string, TickGrid>();

  constructor(options: ProjectXHttpOptions | ProjectXHttp) {
    this.http = options instanceof ProjectXHttp ? options : new ProjectXHttp(options);
  }

  /** Tick grid of a contract seen in any contract read (or registered). */
  gridOf(contractId: string): TickGrid | undefined {
    return this.grids.get(contractId);
  }

  registerContract(contract: Pick<Contract, 'id' | 'tickSize'>): void {
    this.grids.set(contract.id, { tickSize: contract.tickSize, decimals: decimalsOf(contract.tickSize) });
  }

  private readonly grid = (contractId: string) => this.grids.get(contractId);

  // ── auth ──────────────────────────────────────────────────────────────────────────────────────
  login(): Promise<string> {
    return this.http.relogin();
  }

  validate(): Promise<string> {
    return this.http.refreshToken();
  }

  async logout(): Promise<void> {
    await this.http.call('/api/Auth/logout', undefined, 'mutation');
  }

  ping(): Promise<boolean> {
    return this.http.ping();
  }

  // ── accounts and contracts ────────────────────────────────────────────────────────────────────
  async searchAccounts(onlyActiveAccounts = true): Promise<Account[]> {
    const env = await this.http.call('/api/Account/search', { onlyActiveAccounts }, 'read');
    return readList(env.accounts, readAccount, 'Account/search accounts') ?? [];
  }

  async searchContracts(searchText: string, live = false): Promise<Contract[]> {
    const env = await this.http.call('/api/Contract/search', { searchText, live }, 'read');
    return this.keep(readList(env.contracts, readContract, 'Contract/search contracts') ?? []);
  }

  async searchContractById(contractId: string): Promise<Contract | null> {
    try {
      const env = await this.http.call('/api/Contract/searchById', { contractId }, 'read');
      // Older docs showed a `contracts` array; accept both.
      const one = env.contract ?? (Array.isArray(env.contracts) ? env.contracts[0] : null);
      return one ? this.keep([readContract(one)])[0]! : null;
    } catch (error) {
      if (error instanceof ProjectXError && error.code === 1) return null;
      throw error;
    }
  }

  async availableContracts(live = false): Promise<Contract[]> {
    const env = await this.http.call('/api/Contract/available', { live }, 'read');
    return this.keep(readList(env.contracts, readContract, 'Contract/available contracts') ?? []);
  }

  private keep(contracts: Contract[]): Contract[] {
    for (const c of contracts) this.registerContract(c);
    return contracts;
  }

  // ── history ───────────────────────────────────────────────────────────────────────────────────
  /** One retrieveBars request (≤ 20,000 bars), sorted ascending. Paging lives in bars.ts. */
  async retrieveBars(request: BarsRequest): Promise<ProjectXBar[]> {
    const env = await this.http.call(
      '/api/History/retrieveBars',
      {
        contractId: request.contractId,
        live: request.live ?? false,
        startTime: toIso(request.start),
        endTime: toIso(request.end),
        unit: request.unit,
        unitNumber: request.unitNumber,
        limit: request.limit,
        includePartialBar: request.includePartialBar ?? false,
      },
      'read',
    );
    const grid = this.grid(request.contractId);
    const bars = readList(env.bars, (b) => readBar(b, grid), 'History/retrieveBars bars') ?? [];
    return bars.sort((a, b) => a.ts - b.ts);
  }

  // ── orders ────────────────────────────────────────────────────────────────────────────────────
  /** Raw place: throws ProjectXError / ProjectXHttpError. Use placeOrderIdempotent (place.ts) for tagged orders. */
  async placeOrder(request: PlaceOrderRequest): Promise<number> {
    const env = await this.http.call(
      '/api/Order/place',
      placeBody(request, this.grid(request.contractId)),
      'mutation',
    );
    if (typeof env.orderId !== 'number')
      throw new ProjectXError('/api/Order/place', 0, 'success without an orderId');
    return env.orderId;
  }

  async modifyOrder(request: ModifyOrderRequest, contractId?: string): Promise<void> {
    const grid = contractId ? this.grid(contractId) : undefined;
    await this.http.call(
      '/api/Order/modify',
      {
        accountId: request.accountId,
        orderId: request.orderId,
        size: request.size ?? null,
        limitPrice: wirePrice(request.limitPrice, grid),
        stopPrice: wirePrice(request.stopPrice, grid),
        trailPrice: wirePrice(request.trailPrice, grid),
      },
      'mutation',
    );
  }

  async cancelOrder(accountId: number, orderId: number): Promise<void> {
    await this.http.call('/api/Order/cancel', { accountId, orderId }, 'mutation');
  }

  async searchOrders(accountId: number, start: number, end?: number): Promise<Order[]> {
    return (await this.searchOrdersOrNull(accountId, start, end)) ?? [];
  }

  async searchOrdersOrNull(accountId: number, start: number, end?: number): Promise<Order[] | null> {
    const body: Record<string, unknown> = { accountId, startTimestamp: toIso(start) };
    if (end !== undefined) body.endTimestamp = toIso(end);
    const env = await this.http.call('/api/Order/search', body, 'read');
    return readList(env.orders, (o) => readOrder(o, this.grid), 'Order/search orders');
  }

  /** Working orders; excludes Suspended bracket legs (use queryOrders for those). */
  async searchOpenOrders(accountId: number): Promise<Order[]> {
    const env = await this.http.call('/api/Order/searchOpen', { accountId }, 'read');
    return readList(env.orders, (o) => readOrder(o, this.grid), 'Order/searchOpen orders') ?? [];
  }

  async searchOrderById(accountId: number, orderId: number): Promise<Order | null> {
    try {
      const env = await this.http.call('/api/Order/searchById', { accountId, orderId }, 'read');
      return env.order ? readOrder(env.order, this.grid) : null;
    } catch (error) {
      if (error instanceof ProjectXError && error.code === 1) return null;
      throw error;
    }
  }

  /** Order/v2/query, every page. */
  async queryOrders(query: OrderQuery): Promise<Order[]> {
    const pageSize = query.pageSize ?? 100;
    const out: Order[] = [];
    for (let offset = query.pageOffset ?? 0; ; offset += pageSize) {
      const filter: Record<string, unknown> = { accountId: query.accountId };
      if (query.statuses) filter.statuses = query.statuses;
      if (query.contractId) filter.contractId = query.contractId;
      if (query.createdAfter !== undefined) filter.createdAfter = toIso(query.createdAfter);
      if (query.createdBefore !== undefined) filter.createdBefore = toIso(query.createdBefore);
      const env = await this.http.call(
        '/api/Order/v2/query',
        {
          filter,
          pageSize,
          pageOffset: offset,
          sortBy: query.sortBy ?? 0,
          sortDirection: query.sortDirection ?? 0,
          includeTotalCount: true,
        },
        'read',
      );
      const page = readList(env.orders, (o) => readOrder(o, this.grid), 'Order/v2/query orders') ?? [];
      out.push(...page);
      const total = typeof env.totalCount === 'number' ? env.totalCount : undefined;
      if (page.length < pageSize || (total !== undefined && offset + page.length >= total)) return out;
    }
  }

  // ── positions and trades ──────────────────────────────────────────────────────────────────────
  async searchOpenPositions(accountId: number): Promise<Position[]> {
    const env = await this.http.call('/api/Position/searchOpen', { accountId }, 'read');
    return readList(env.positions, (p) => readPosition(p, this.grid), 'Position/searchOpen positions') ?? [];
  }

  async closeContract(accountId: number, contractId: string): Promise<void> {
    await this.http.call('/api/Position/closeContract', { accountId, contractId }, 'mutation');
  }

  async partialCloseContract(accountId: number, contractId: string, size: number): Promise<void> {
    await this.http.call('/api/Position/partialCloseContract', { accountId, contractId, size }, 'mutation');
  }

  async searchTrades(accountId: number, start: number, end?: number): Promise<HalfTrade[]> {
    const body: Record<string, unknown> = { accountId, startTimestamp: toIso(start) };
    if (end !== undefined) body.endTimestamp = toIso(end);
    const env = await this.http.call('/api/Trade/search', body, 'read');
    return readList(env.trades, (t) => readHalfTrade(t, this.grid), 'Trade/search trades') ?? [];
  }
}

function wirePrice(value: number | undefined, grid: TickGrid | undefined): number | null {
  if (value === undefined) return null;
  return grid ? Number(value.toFixed(grid.decimals)) : value;
}

function placeBody(r: PlaceOrderRequest, grid: TickGrid | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {
    accountId: r.accountId,
    contractId: r.contractId,
    type: r.type,
    side: r.side,
    size: r.size,
    limitPrice: wirePrice(r.limitPrice, grid),
    stopPrice: wirePrice(r.stopPrice, grid),
    trailPrice: wirePrice(r.trailPrice, grid),
    customTag: r.customTag ?? null,
  };
  if (r.stopLossBracket) body.stopLossBracket = r.stopLossBracket;
  if (r.takeProfitBracket) body.takeProfitBracket = r.takeProfitBracket;
  return body;
}
