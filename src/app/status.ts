/** The terminal status: a full screen redrawn every second on a TTY, one compact line otherwise. */
import type { StatusInputs } from './observers.ts';

function money(n: number): string {
  const sign = n < 0 ? '-' : '';
  return `${sign}$${Math.abs(n).toFixed(2)}`;
}

export function renderPlainStatus(inputs: StatusInputs): string {
  const { runtime, status, guardState } = inputs;
  const positions = runtime.positions();
  const parts = positions.map(
    (p) =>
      `${p.symbol} ${p.context.side} ${p.context.filledQty}/${p.context.plan.quantity} ${p.state} stop ${p.context.stop} uP&L ${money(p.unrealizedPnl)}`,
  );
  const last = status.lastDecision
    ? `${status.lastDecision.symbol} ${status.lastDecision.action} → ${status.lastDecision.status}`
    : 'none';
  return `${parts.length ? parts.join(' | ') : 'flat'} · last alert: ${last} · today ${money(guardState.realizedPnlToday)} · feed ${status.health.marketData}/${status.health.userHub}`;
}

export class StatusScreen {
  private timer: ReturnType<typeof setInterval> | null = null;
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly inputs: () => StatusInputs,
  ) {}
  start(): void {
    this.out.write('\u001b[?25l');
    this.timer = setInterval(() => this.draw(), 1_000);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.out.write('\u001b[?25h\n');
  }
  private draw(): void {
    this.out.write(`\u001b[s\u001b[1;1H\u001b[2K${renderPlainStatus(this.inputs())}\u001b[u`);
  }
}
