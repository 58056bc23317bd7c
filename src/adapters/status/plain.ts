/**
 * The plain status (`--status plain`, a pipe, a log file): one human line per change, never a line
 * per price move. `plainStatusLines(previous, current)` compares two models and says what changed:
 *
 *   14:32:05 ES long 2 @ 5000.25 TP1 hit stop 5000.25 (breakeven stop) P&L +$475.00
 *   14:31:50 alert NQ sell → opened: short entry at VAH 18120.50
 *   14:40:12 ES long 2 closed · realised today +$650.00
 *
 * Times are UTC (the first lines say so); money, prices, state and stop names come from
 * src/domain/format.ts, as on the terminal screen and the dashboard.
 */
import { money, positionStateName, price, signedMoney, stopRungName } from '../../domain/format.ts';
import type { AccountStatus, ConnectionStatus, GuardStatus, PositionStatus, StatusModel } from './model.ts';

const clock = (ts: number): string => new Date(ts).toISOString().slice(11, 19);

function contracts(p: PositionStatus): string {
  if (!p.filled || p.size === p.plannedSize) return String(p.plannedSize);
  return `${p.size}/${p.plannedSize}`;
}

/** "ES long 2 @ 5012.25 active stop 5008.00 (initial stop) P&L +$125.00". */
export function plainPositionLine(p: PositionStatus): string {
  const entry = `${price(p.entryPrice, p.decimals)}${p.filled ? '' : ' limit'}`;
  const stop = `stop ${price(p.stop, p.decimals)} (${stopRungName(p.rung)})`;
  const pnl = p.size > 0 ? ` P&L ${signedMoney(p.unrealizedPnl)}` : '';
  return `${p.symbol} ${p.side} ${contracts(p)} @ ${entry} ${positionStateName(p.state)} ${stop}${pnl}`;
}

/** What makes a position worth a new line: not its marks. */
function positionKey(p: PositionStatus): string {
  return [p.state, p.size, p.plannedSize, p.filled, p.entryPrice, p.stop, p.rung].join('|');
}

function connectionLine(c: ConnectionStatus): string {
  return `${c.name} ${c.level}${c.detail ? ` (${c.detail})` : ''}`;
}

/** The guard facts that deserve a line of their own when they change. */
function guardAlarms(g: GuardStatus | null): string[] {
  if (g === null) return [];
  const alarms: string[] = [];
  if (g.state.dailyLoss) alarms.push(`DAILY LOSS LIMIT HIT: ${g.state.dailyLoss.reason}`);
  if (g.state.trailingDrawdown) alarms.push(`LOSS LIMIT HIT: ${g.state.trailingDrawdown.reason}`);
  if (g.brokerBlocked) alarms.push(`broker refuses orders: ${g.brokerBlocked}`);
  if (g.balance?.mismatch)
    alarms.push(
      `broker balance ${money(g.balance.broker)} differs by ${money(g.balance.difference)} (broker wins)`,
    );
  return alarms;
}

function guardsSummary(g: GuardStatus): string {
  const parts = [`realised today ${signedMoney(g.state.realizedPnlToday)}`];
  if (g.dailyLossLimit > 0) {
    const left = g.dailyLossLimit + g.state.realizedPnlToday + g.unrealizedPnl;
    parts.push(`daily loss limit ${money(g.dailyLossLimit)} (${money(left)} to go)`);
  }
  if (g.lossLimitFloor !== null) parts.push(`loss limit ${money(g.lossLimitFloor)}`);
  return parts.join(' · ');
}

/** The write queue's error while it retries (a new attempt with the same error is no news). */
function queueError(model: StatusModel | null): string | null {
  const q = model?.writeQueue ?? null;
  if (q === null || q.failedAttempts === 0) return null;
  return q.lastError ?? 'unknown error';
}

/** The part of a model one account owns (the whole model when there is one account). */
type Book = Pick<StatusModel, 'positions' | 'lastAlert' | 'connections' | 'guards'>;

/**
 * The lines that say what changed from `previous` to `current` (everything worth saying when
 * `previous` is null); none when only prices moved. Several accounts: each account's lines name it.
 */
export function plainStatusLines(previous: StatusModel | null, current: StatusModel): string[] {
  const at = clock(current.at);
  const lines: string[] = [];
  if (current.accounts) {
    if (previous === null)
      lines.push(
        `${at} valuearea · ${current.mode} · ${current.accounts.length} accounts: ${current.accounts.map((a) => a.account).join(', ')} · times UTC`,
      );
    const before = new Map((previous?.accounts ?? []).map((a) => [a.accountId, a]));
    for (const account of current.accounts) {
      const old: AccountStatus | null = previous === null ? null : (before.get(account.accountId) ?? null);
      for (const [time, text] of bookLines(old, account, at))
        lines.push(`${time} ${account.account} · ${text}`);
      if (old !== null && (old.canTrade !== account.canTrade || old.enabled !== account.enabled))
        lines.push(`${at} ${account.account} · ${accountState(account)}`);
    }
  } else {
    if (previous === null)
      lines.push(
        `${at} valuearea · ${current.mode}${current.account ? ` · account ${current.account}` : ''} · times UTC`,
      );
    for (const [time, text] of bookLines(previous, current, at)) lines.push(`${time} ${text}`);
  }
  lines.push(...queueLines(previous, current, at));
  return lines;
}

function accountState(account: AccountStatus): string {
  const broker =
    account.canTrade === false
      ? 'broker refuses orders'
      : account.canTrade
        ? 'broker can trade'
        : 'broker canTrade not reported';
  return account.enabled ? broker : `${broker} · disabled: no new entries`;
}

/** One account's changes, each as [time, text]; `previous` null: its first lines. */
function bookLines(previous: Book | null, current: Book, at: string): [string, string][] {
  const lines: [string, string][] = [];
  if (previous === null) {
    if (current.guards) lines.push([at, guardsSummary(current.guards)]);
    if (current.positions.length === 0) lines.push([at, 'flat']);
  }

  const before = new Map((previous?.positions ?? []).map((p) => [p.positionId, p]));
  for (const p of current.positions) {
    const old = before.get(p.positionId);
    if (!old || positionKey(old) !== positionKey(p)) lines.push([at, plainPositionLine(p)]);
  }
  const now = new Set(current.positions.map((p) => p.positionId));
  for (const old of previous?.positions ?? []) {
    if (now.has(old.positionId)) continue;
    const realised = current.guards
      ? ` · realised today ${signedMoney(current.guards.state.realizedPnlToday)}`
      : '';
    lines.push([
      at,
      old.filled
        ? `${old.symbol} ${old.side} ${contracts(old)} closed${realised}`
        : `${old.symbol} ${old.side} ${contracts(old)} entry at ${price(old.entryPrice, old.decimals)} cancelled`,
    ]);
  }
  if (previous !== null && previous.positions.length > 0 && current.positions.length === 0)
    lines.push([at, 'flat']);

  const alert = current.lastAlert;
  const oldAlert = previous?.lastAlert ?? null;
  if (
    alert &&
    (!oldAlert ||
      oldAlert.at !== alert.at ||
      oldAlert.symbol !== alert.symbol ||
      oldAlert.action !== alert.action ||
      oldAlert.decision !== alert.decision)
  ) {
    const reason = alert.reason ? `: ${alert.reason}` : '';
    lines.push([clock(alert.at), `alert ${alert.symbol} ${alert.action} → ${alert.decision}${reason}`]);
  }

  const levels = new Map((previous?.connections ?? []).map((c) => [c.name, connectionLine(c)]));
  for (const c of current.connections) {
    const line = connectionLine(c);
    if (levels.get(c.name) !== line) lines.push([at, line]);
  }

  const oldAlarms = new Set(guardAlarms(previous?.guards ?? null));
  for (const alarm of guardAlarms(current.guards)) if (!oldAlarms.has(alarm)) lines.push([at, alarm]);
  return lines;
}

/** The shared write queue: retrying, caught up, refused writes. */
function queueLines(previous: StatusModel | null, current: StatusModel, at: string): string[] {
  const lines: string[] = [];
  const error = queueError(current);
  const oldError = queueError(previous);
  if (error !== null && error !== oldError)
    lines.push(`${at} write queue retrying (${current.writeQueue?.failedAttempts} failed): ${error}`);
  if (error === null && oldError !== null) lines.push(`${at} write queue caught up`);
  const refused = current.writeQueue?.rejectedWrites ?? 0;
  if (refused > (previous?.writeQueue?.rejectedWrites ?? 0))
    lines.push(`${at} write queue: ${refused} writes refused by the database`);
  return lines;
}
