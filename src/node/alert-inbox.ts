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
}

export class AlertInbox {
  private readonly seen = new Set<number>();
  /** Alert key → row id, until its decision is known. */
  private readonly rows = new Map<string, number>();

  constructor(private readonly deps: AlertInboxDeps) {}

  /** A stored alert: decided once, however many times it is handed over. */
  receive(alert: StoredAlert): void {
    if (this.seen.has(alert.id) || !alert.parsed || alert.status !== 'received') return;
    this.seen.add(alert.id);
    if (this.seen.size > MAX_REMEMBERED) this.seen.delete(this.seen.values().next().value as number);
    const parsed = alert.parsed;
    this.rows.set(parsed.key, alert.id);
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
    const alertId = this.rows.get(decision.alertKey);
    if (alertId === undefined) return;
    this.markProcessed(alertId, decision);
  }

  private markProcessed(alertId: number, decision: SignalDecision): void {
    // Until the decision is final (EXECUTING → EXECUTED, PENDING → …) a later one records its reason again.
    if (!OPEN_STATUSES.has(decision.status)) this.rows.delete(decision.alertKey);
    this.deps.markProcessed(alertId, decision.reason);
  }
}
