/**
 * Stored alerts into the node, once each. The webhook stores an alert and hands it over; the alert
 * stream (LISTEN/NOTIFY or Realtime, plus the catch-up sweep) hands over the same row again, and
 * alerts that came in while the bot was stopped. Both paths meet here and are de-duplicated by row
 * id; the row is marked processed once its decision is known (through the write lane, so only
 * after what the decision caused is written).
 */
import type { StoredAlert } from '../ports/store.ts';
import type { IncomingAlert, SignalDecision } from '../runtime/signal-processor.ts';

const MAX_REMEMBERED = 20_000;
const OPEN_STATUSES: ReadonlySet<SignalDecision['status']> = new Set(['PENDING', 'EXECUTING']);

export interface AlertInboxDeps {
  /** Decide the alert (the node's `alert`). */
  readonly decide: (alert: IncomingAlert) => void;
  /** The alert row `alertId` is decided: record the decision's reason on it. */
  readonly markProcessed: (alertId: number, reason: string | null) => void;
  readonly onReceived?: (alert: StoredAlert) => void;
  /**
   * Several accounts decide each alert (src/app/accounts.ts): their ids and labels. The row is
   * marked once every account decided, with each account's reason; unset: one decision per alert.
   */
  readonly accounts?: readonly { readonly accountId: string; readonly label: string }[];
}

interface PendingRow {
  readonly id: number;
  /** The latest decision of each account. */
  readonly decisions: Map<string, SignalDecision>;
}

export class AlertInbox {
  private readonly seen = new Set<number>();
  /** Alert key → its row, until every account's decision is final. */
  private readonly rows = new Map<string, PendingRow>();

  constructor(private readonly deps: AlertInboxDeps) {}

  /** A stored alert: decided once, however many times it is handed over. */
  receive(alert: StoredAlert): void {
    if (this.seen.has(alert.id) || !alert.parsed || alert.status !== 'received') return;
    this.seen.add(alert.id);
    if (this.seen.size > MAX_REMEMBERED) this.seen.delete(this.seen.values().next().value as number);
    const parsed = alert.parsed;
    this.rows.set(parsed.key, { id: alert.id, decisions: new Map() });
    this.deps.onReceived?.(alert);
    this.deps.decide({
      key: parsed.key,
      alertId: alert.id,
      symbol: parsed.symbol,
      action: parsed.action,
      firedAt: parsed.firedAt,
    });
  }

  /** A decision: the alert row it came from (if any) is marked processed with its reason. */
  decided(decision: SignalDecision): void {
    const row = this.rows.get(decision.alertKey);
    if (row === undefined) return;
    const accounts = this.deps.accounts;
    row.decisions.set(accounts ? decision.accountId : '', decision);
    const all = accounts ? accounts.map((a) => row.decisions.get(a.accountId)) : [row.decisions.get('')];
    if (all.some((d) => d === undefined)) return; // another account has not decided it yet
    const decisions = all as SignalDecision[];
    // Until every decision is final (EXECUTING → EXECUTED, PENDING → …) a later one records the reasons again.
    if (decisions.every((d) => !OPEN_STATUSES.has(d.status))) this.rows.delete(decision.alertKey);
    const reason = accounts
      ? decisions.map((d, i) => `${accounts[i]?.label}: ${d.reason ?? d.status}`).join('; ')
      : (decision.reason ?? null);
    this.deps.markProcessed(row.id, reason);
  }
}
