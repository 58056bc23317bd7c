/**
 * The terminal status as text: a pure function of the model, the width and the colour switch.
 * `renderStatus` draws the full screen (TTY); `compactStatusLine` is the one-line form for logs, and
 * `statusChangeKey` says when that line is worth printing again (not on every price move).
 */
import { money as plainMoney, price, signedMoney } from '../../domain/format.ts';
import type { HealthLevel } from '../../ports/index.ts';
import { type Paint, padVisible, painter, type Tone, truncateVisible, visibleWidth } from './ansi.ts';
import {
  type AccountStatus,
  type AlertStatus,
  type GuardStatus,
  guardHeadroomOf,
  type PendingOrderStatus,
  type PositionStatus,
  type StatusModel,
} from './model.ts';

export interface RenderOptions {
  /** Columns available; lines are cut to fit. */
  readonly width: number;
  readonly color: boolean;
}

const money = signedMoney;
const amount = plainMoney;
const clock = (ts: number): string => new Date(ts).toISOString().slice(11, 19);

function pnlTone(value: number): Tone | null {
  return value > 0 ? 'green' : value < 0 ? 'red' : null;
}

function healthTone(level: HealthLevel): Tone {
  return level === 'green' ? 'green' : level === 'amber' ? 'yellow' : 'red';
}

function toned(paint: Paint, tone: Tone | null, text: string): string {
  return tone === null ? text : paint(tone, text);
}

function table(rows: readonly (readonly string[])[], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell));
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : padVisible(cell, (widths[i] ?? 0) + gap)))
      .join('')
      .trimEnd(),
  );
}

/** Reached targets carry ✓; the current rung is bracketed. */
function targetCell(position: PositionStatus, rung: 1 | 2 | 3): string {
  const text = price(position.targets[rung - 1] ?? Number.NaN, position.decimals);
  if (position.rung === rung) return `[${text}]`;
  return position.rung > rung ? `${text}✓` : text;
}

function positionRows(positions: readonly PositionStatus[], paint: Paint): string[] {
  const header = [
    'SYMBOL',
    'STATE',
    'SIDE',
    'SIZE',
    'ENTRY',
    'STOP',
    'TP1',
    'TP2',
    'TP3',
    'LAST',
    'UNREALISED',
  ];
  const rows = positions.map((p) => [
    p.symbol,
    p.state,
    toned(paint, p.side === 'long' ? 'green' : 'red', p.side),
    `${p.size}/${p.plannedSize}`,
    p.filled ? price(p.entryPrice, p.decimals) : `${price(p.entryPrice, p.decimals)} lmt`,
    price(p.stop, p.decimals),
    targetCell(p, 1),
    targetCell(p, 2),
    targetCell(p, 3),
    p.lastPrice === null ? '—' : price(p.lastPrice, p.decimals),
    p.size === 0 ? '—' : toned(paint, pnlTone(p.unrealizedPnl), money(p.unrealizedPnl)),
  ]);
  return table([header.map((h) => paint('dim', h)), ...rows]);
}

function orderRows(orders: readonly PendingOrderStatus[]): string[] {
  return table(
    orders.map((o) => [
      o.symbol,
      o.kind,
      o.side,
      `${o.quantity} @ ${o.price === null ? 'market' : price(o.price, o.decimals)}`,
      o.status,
    ]),
  );
}

function todayLine(guards: GuardStatus, paint: Paint): string {
  const { state, unrealizedPnl } = guards;
  const dayPnl = state.realizedPnlToday + unrealizedPnl;
  return `P&L ${toned(paint, pnlTone(dayPnl), money(dayPnl))} (realised ${money(state.realizedPnlToday)}, open ${money(unrealizedPnl)})`;
}

/** Headroom before each guard trips, counting open P&L the way the guards do. */
function guardLine(guards: GuardStatus, paint: Paint): string {
  const { state, dailyLossLimit, lossLimitFloor, riskBuffer, unrealizedPnl } = guards;
  const dayPnl = state.realizedPnlToday + unrealizedPnl;
  const parts: string[] = [];
  if (guards.brokerBlocked) parts.push(paint('red', guards.brokerBlocked));
  if (state.dailyLoss) parts.push(paint('red', `DAILY LOSS LIMIT HIT: ${state.dailyLoss.reason}`));
  else if (dailyLossLimit > 0) {
    const left = dailyLossLimit + dayPnl;
    parts.push(
      `daily loss limit ${amount(dailyLossLimit)} (${toned(paint, left < dailyLossLimit * 0.25 ? 'red' : null, amount(left))} to go)`,
    );
  }
  if (state.trailingDrawdown) parts.push(paint('red', `LOSS LIMIT HIT: ${state.trailingDrawdown.reason}`));
  else if (lossLimitFloor !== null) {
    const headroom = state.equity + unrealizedPnl - lossLimitFloor;
    parts.push(
      `loss limit ${amount(lossLimitFloor)} (${toned(paint, headroom < riskBuffer * 2 ? 'red' : null, amount(headroom))} to go, the bot stops ${amount(riskBuffer)} above it)`,
    );
  }
  const balance = guards.balance;
  if (balance?.mismatch)
    parts.push(
      paint(
        'red',
        `broker balance ${amount(balance.broker)} differs by ${amount(balance.difference)} (broker wins)`,
      ),
    );
  return parts.length > 0 ? parts.join(' · ') : 'none configured';
}

const GOOD_DECISIONS: ReadonlySet<string> = new Set(['opened', 'replaced', 'executed', 'executing']);
const BAD_DECISIONS: ReadonlySet<string> = new Set(['declined', 'filtered', 'rejected', 'failed', 'ignored']);

function alertLine(alert: AlertStatus, paint: Paint): string {
  const tone: Tone | null = GOOD_DECISIONS.has(alert.decision)
    ? 'green'
    : BAD_DECISIONS.has(alert.decision)
      ? 'red'
      : null;
  return `${clock(alert.at)} ${alert.symbol} ${alert.action} → ${toned(paint, tone, alert.decision)}: ${alert.reason}`;
}

function queueLine(model: StatusModel, paint: Paint): string {
  const q = model.writeQueue;
  if (q === null) return 'not in use';
  const parts = [`${q.pendingWrites} pending`, `${q.dirtyPositions} dirty`];
  if (q.lastFlushAt !== null) parts.push(`last flush ${clock(q.lastFlushAt)}`);
  if (q.failedAttempts > 0)
    parts.push(paint('red', `retrying (${q.failedAttempts} failed): ${q.lastError ?? 'unknown error'}`));
  if (q.rejectedWrites > 0) parts.push(paint('red', `${q.rejectedWrites} refused`));
  return parts.join(' · ');
}

export function renderStatus(model: StatusModel, options: RenderOptions): string {
  const paint = painter(options.color);
  const label = (text: string) => paint('bold', text.padEnd(13));
  const lines: string[] = [];
  if (model.accounts) {
    lines.push(
      `${paint('bold', 'valuearea')} · ${model.mode} · ${model.accounts.length} accounts · ${clock(model.at)} UTC`,
    );
    lines.push(`${label('Write queue')}${queueLine(model, paint)}`);
    for (const account of model.accounts) {
      lines.push('');
      lines.push(...accountBlock(account, paint));
    }
    return lines.map((line) => truncateVisible(line, Math.max(10, options.width))).join('\n');
  }
  lines.push(
    `${paint('bold', 'valuearea')} · ${model.mode}${model.account ? ` · account ${model.account}` : ''} · ${clock(model.at)} UTC`,
  );
  const connections = model.connections.map(
    (c) => `${c.name} ${paint(healthTone(c.level), `● ${c.level}`)}${c.detail ? ` (${c.detail})` : ''}`,
  );
  lines.push(`${label('Connections')}${connections.length > 0 ? connections.join('  ') : 'none'}`);
  lines.push(`${label('Today')}${model.guards ? todayLine(model.guards, paint) : 'no P&L yet'}`);
  lines.push(`${label('Guards')}${model.guards ? guardLine(model.guards, paint) : 'none configured'}`);
  lines.push(`${label('Write queue')}${queueLine(model, paint)}`);
  lines.push(`${label('Last alert')}${model.lastAlert ? alertLine(model.lastAlert, paint) : 'none yet'}`);
  lines.push('');
  lines.push(...bookLines(model.positions, model.pendingOrders, paint, ''));
  return lines.map((line) => truncateVisible(line, Math.max(10, options.width))).join('\n');
}

/** Positions and pending orders, each under its heading; `indent` nests them in an account block. */
function bookLines(
  positions: readonly PositionStatus[],
  orders: readonly PendingOrderStatus[],
  paint: Paint,
  indent: string,
): string[] {
  const lines = [`${indent}${paint('bold', `Positions (${positions.length})`)}`];
  if (positions.length === 0) lines.push(`${indent}  flat`);
  else for (const row of positionRows(positions, paint)) lines.push(`${indent}  ${row}`);
  // The single-account screen keeps its blank line; an account block stays one compact run.
  if (indent === '') lines.push('');
  lines.push(`${indent}${paint('bold', `Pending orders (${orders.length})`)}`);
  if (orders.length === 0) lines.push(`${indent}  none`);
  else for (const row of orderRows(orders)) lines.push(`${indent}  ${row}`);
  return lines;
}

/** Whether the broker takes this account's orders, and whether the bot enters on it at all. */
function brokerCell(account: AccountStatus, paint: Paint): string {
  const blocked = account.guards?.brokerBlocked;
  const broker = blocked
    ? paint('red', `broker BLOCKED: ${blocked}`)
    : account.canTrade === false
      ? paint('red', 'broker BLOCKED')
      : account.canTrade === true
        ? paint('green', 'broker can trade')
        : 'broker canTrade not reported';
  return account.enabled ? broker : `${broker} · ${paint('yellow', 'disabled: no new entries')}`;
}

/** One account of several: its name, broker and venue, day, guards, last alert and book. */
function accountBlock(account: AccountStatus, paint: Paint): string[] {
  const label = (text: string) => `  ${paint('bold', text.padEnd(11))}`;
  const connections = account.connections.map(
    (c) => `${c.name} ${paint(healthTone(c.level), `● ${c.level}`)}${c.detail ? ` (${c.detail})` : ''}`,
  );
  return [
    `${paint('bold', account.account)} · ${brokerCell(account, paint)}${connections.length > 0 ? ` · ${connections.join('  ')}` : ''}`,
    `${label('Today')}${account.guards ? todayLine(account.guards, paint) : 'no P&L yet'}`,
    `${label('Guards')}${account.guards ? guardLine(account.guards, paint) : 'none configured'}`,
    `${label('Last alert')}${account.lastAlert ? alertLine(account.lastAlert, paint) : 'none yet'}`,
    ...bookLines(account.positions, account.pendingOrders, paint, '  '),
  ];
}

function compactPosition(p: PositionStatus, withPrices: boolean): string {
  const entry = `${p.filled ? '' : 'lmt '}${price(p.entryPrice, p.decimals)}`;
  const base = `${p.symbol} ${p.state} ${p.side} ${p.size}/${p.plannedSize} @${entry} stop ${price(p.stop, p.decimals)}`;
  return withPrices && p.size > 0 ? `${base} upnl ${money(p.unrealizedPnl)}` : base;
}

/** One account's book, alert, guards and venue (the whole line when there is one account). */
function compactBook(
  book: Pick<StatusModel, 'positions' | 'pendingOrders' | 'lastAlert' | 'guards' | 'connections'>,
  withPrices: boolean,
): string[] {
  const parts = [
    `positions ${book.positions.length === 0 ? 'flat' : book.positions.map((p) => compactPosition(p, withPrices)).join(', ')}`,
    `pending ${book.pendingOrders.length}`,
  ];
  if (book.lastAlert)
    parts.push(`alert ${book.lastAlert.symbol} ${book.lastAlert.action} → ${book.lastAlert.decision}`);
  if (book.guards) {
    const g = book.guards;
    parts.push(`realised today ${money(g.state.realizedPnlToday)}`);
    if (g.state.dailyLoss) parts.push('DAILY LOSS LIMIT HIT');
    if (g.state.trailingDrawdown) parts.push('LOSS LIMIT HIT');
    if (g.brokerBlocked) parts.push('BROKER BLOCKED');
  }
  if (book.connections.length > 0) parts.push(book.connections.map((c) => `${c.name} ${c.level}`).join(' '));
  return parts;
}

/** An account of several: named first, with its headroom (open P&L moves it, so only withPrices). */
function compactAccount(account: AccountStatus, withPrices: boolean): string {
  const parts = compactBook(account, withPrices);
  if (withPrices && account.guards) {
    const { dailyLossLeft, aboveFloor } = guardHeadroomOf(account.guards);
    const left: string[] = [];
    if (dailyLossLeft !== null) left.push(`daily loss ${amount(dailyLossLeft)}`);
    if (aboveFloor !== null) left.push(`loss limit ${amount(aboveFloor)}`);
    if (left.length > 0) parts.push(`to go ${left.join(' ')}`);
  }
  if (account.canTrade === false && !account.guards?.brokerBlocked) parts.push('BROKER BLOCKED');
  if (!account.enabled) parts.push('disabled');
  return `[${account.account}] ${parts.join(' | ')}`;
}

function compact(model: StatusModel, withPrices: boolean): string {
  const queue = model.writeQueue
    ? [`queue ${model.writeQueue.pendingWrites}${model.writeQueue.failedAttempts > 0 ? ' retrying' : ''}`]
    : [];
  // Several accounts: one segment each, named, and the shared write queue after them.
  if (model.accounts)
    return [...model.accounts.map((a) => compactAccount(a, withPrices)), ...queue].join(' || ');
  return [...compactBook(model, withPrices), ...queue].join(' | ');
}

/** One plain line (no colour): what a log file gets when stdout is not a terminal. */
export function compactStatusLine(model: StatusModel): string {
  return `status: ${compact(model, true)}`;
}

/** Equal keys mean nothing worth a new line happened (price moves alone do not count). */
export function statusChangeKey(model: StatusModel): string {
  return compact(model, false);
}
