/**
 * Positions and half-trades: fills net into one position per account and contract with an average
 * price; the closing part of a fill books P&L (average-cost), the opening part a `null` P&L.
 */
import type { OrderRecord, PositionRecord, TradeRecord } from './records.ts';
import { cents } from './wire-format.ts';

export type LedgerEvent =
  | { kind: 'position'; position: PositionRecord }
  | { kind: 'trade'; trade: TradeRecord };

export class Ledger {
  private readonly positionBook = new Map<string, PositionRecord>();
  private readonly tradeLog: TradeRecord[] = [];
  private nextPositionId = 1;
  private nextTradeId = 1;

  constructor(private readonly emit: (event: LedgerEvent) => void) {}

  /** Signed contracts held: > 0 long, < 0 short. */
  netSize(accountId: number, contractId: string): number {
    return this.positionBook.get(positionKey(accountId, contractId))?.netSize ?? 0;
  }

  openPositions(accountId?: number): PositionRecord[] {
    return [...this.positionBook.values()].filter(
      (p) => p.netSize !== 0 && (accountId === undefined || p.accountId === accountId),
    );
  }

  trades(accountId?: number): TradeRecord[] {
    return accountId === undefined
      ? [...this.tradeLog]
      : this.tradeLog.filter((t) => t.accountId === accountId);
  }

  /** Books a whole fill; returns the realised P&L in dollars (before fees). */
  applyFill(order: OrderRecord, fillTicks: number, ts: number): number {
    const contract = order.contract;
    const key = positionKey(order.accountId, contract.id);
    const signed = order.side === 0 ? order.size : -order.size;
    let position = this.positionBook.get(key);
    if (!position || position.netSize === 0) position = this.newPosition(order, ts);
    const held = position.netSize;
    const closing =
      held !== 0 && Math.sign(held) !== Math.sign(signed) ? Math.min(Math.abs(held), Math.abs(signed)) : 0;
    const opening = Math.abs(signed) - closing;
    let realised = 0;
    if (closing > 0) {
      const direction = held > 0 ? 1 : -1;
      realised = cents((fillTicks - position.averageTicks) * direction * closing * contract.tickValue);
      this.recordTrade(order, fillTicks, closing, realised, ts);
      position.netSize += held > 0 ? -closing : closing;
    }
    if (opening > 0) {
      if (position.netSize === 0 && closing > 0) {
        // Flipped through flat: announce the closed position; the remainder is a new one.
        this.emit({ kind: 'position', position });
        position = this.newPosition(order, ts);
      }
      const existing = Math.abs(position.netSize);
      position.averageTicks = (position.averageTicks * existing + fillTicks * opening) / (existing + opening);
      position.netSize += signed > 0 ? opening : -opening;
      this.recordTrade(order, fillTicks, opening, null, ts);
    }
    this.emit({ kind: 'position', position });
    return realised;
  }

  private newPosition(order: OrderRecord, ts: number): PositionRecord {
    const position: PositionRecord = {
      id: this.nextPositionId++,
      accountId: order.accountId,
      contract: order.contract,
      createdAt: ts,
      netSize: 0,
      averageTicks: 0,
    };
    this.positionBook.set(positionKey(order.accountId, order.contract.id), position);
    return position;
  }

  private recordTrade(
    order: OrderRecord,
    priceTicks: number,
    size: number,
    pnl: number | null,
    ts: number,
  ): void {
    const trade: TradeRecord = {
      id: this.nextTradeId++,
      accountId: order.accountId,
      contract: order.contract,
      createdAt: ts,
      priceTicks,
      profitAndLoss: pnl,
      fees: cents((order.contract.feePerSide ?? 0) * size),
      side: order.side,
      size,
      orderId: order.id,
    };
    this.tradeLog.push(trade);
    this.emit({ kind: 'trade', trade });
  }
}

function positionKey(accountId: number, contractId: string): string {
  return `${accountId}|${contractId}`;
}
