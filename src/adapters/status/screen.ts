/**
 * The live status screen. On a terminal it redraws the whole status every second in place (cursor
 * home, each line cleared to its end, the rest of the screen cleared: no flicker), hides the cursor
 * while running and shows it again on stop or process exit. Off a terminal (a pipe, a log file,
 * systemd, or `format: 'plain'`) it prints one human line per change (src/adapters/status/plain.ts),
 * never a line per second or per price move.
 * Keep logs off stdout while the TTY screen runs (a log file or stderr), or they scroll it away.
 */
import { CLEAR_BELOW, CLEAR_LINE_END, CLEAR_SCREEN, CURSOR_HOME, HIDE_CURSOR, SHOW_CURSOR } from './ansi.ts';
import type { StatusModel } from './model.ts';
import { plainStatusLines } from './plain.ts';
import { renderStatus } from './render.ts';

export interface StatusStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

export interface IntervalTimer {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface StatusScreenOptions {
  /** Builds the current model; called once per redraw. */
  readonly model: () => StatusModel;
  /** Default: process.stdout. */
  readonly stream?: StatusStream;
  /**
   * 'screen': redraw the whole status in place; 'plain': one human line per change. Default: the
   * screen on a terminal, plain lines anywhere else.
   */
  readonly format?: 'screen' | 'plain';
  /** Default 1,000 ms. */
  readonly intervalMs?: number;
  /** Default: on for a TTY unless NO_COLOR is set (https://no-color.org). */
  readonly color?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: the global setInterval/clearInterval. */
  readonly timer?: IntervalTimer;
  /** Show the cursor again if the process exits while the screen runs (default true). */
  readonly restoreOnExit?: boolean;
  /** Called when building or drawing the model throws; the screen keeps running. */
  readonly onError?: (error: unknown) => void;
}

const globalTimer: IntervalTimer = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

export class StatusScreen {
  private readonly stream: StatusStream;
  /** Redraws the whole screen in place (else prints plain lines). */
  private readonly redraws: boolean;
  private readonly color: boolean;
  private readonly timer: IntervalTimer;
  private handle: unknown = null;
  private lastModel: StatusModel | null = null;
  private readonly restore = (): void => {
    this.stream.write(SHOW_CURSOR);
  };

  constructor(private readonly options: StatusScreenOptions) {
    this.stream = options.stream ?? process.stdout;
    this.redraws = (options.format ?? (this.stream.isTTY === true ? 'screen' : 'plain')) === 'screen';
    const env = options.env ?? process.env;
    this.color = options.color ?? (this.redraws && (env.NO_COLOR === undefined || env.NO_COLOR === ''));
    this.timer = options.timer ?? globalTimer;
  }

  /** True when it redraws the screen in place (a terminal, or `format: 'screen'`). */
  get isTerminal(): boolean {
    return this.redraws;
  }

  get running(): boolean {
    return this.handle !== null;
  }

  start(): void {
    if (this.handle !== null) return;
    if (this.redraws) {
      this.stream.write(HIDE_CURSOR + CLEAR_SCREEN);
      if (this.options.restoreOnExit !== false) process.once('exit', this.restore);
    }
    this.refresh();
    this.handle = this.timer.setInterval(() => this.refresh(), this.options.intervalMs ?? 1_000);
  }

  /** Draw now (screen) or print a line for each thing that changed (plain). */
  refresh(): void {
    let model: StatusModel;
    try {
      model = this.options.model();
    } catch (error) {
      this.options.onError?.(error);
      return;
    }
    if (this.redraws) {
      const width = this.stream.columns ?? 100;
      const lines = fitHeight(
        renderStatus(model, { width, color: this.color }).split('\n'),
        this.stream.rows,
      );
      this.stream.write(
        `${CURSOR_HOME}${lines.join(`${CLEAR_LINE_END}\n`)}${CLEAR_LINE_END}\n${CLEAR_BELOW}`,
      );
      return;
    }
    const lines = plainStatusLines(this.lastModel, model);
    this.lastModel = model;
    if (lines.length > 0) this.stream.write(`${lines.join('\n')}\n`);
  }

  /** Stop redrawing; on a terminal, show the cursor again. Draws a last frame first when asked. */
  stop(finalFrame = false): void {
    if (this.handle === null) return;
    if (finalFrame) this.refresh();
    this.timer.clearInterval(this.handle);
    this.handle = null;
    if (this.redraws) {
      this.restore();
      process.removeListener('exit', this.restore);
    }
  }
}

/** A frame taller than the terminal would scroll and break the in-place redraw: cut it, say so. */
function fitHeight(lines: string[], rows: number | undefined): string[] {
  if (rows === undefined || rows < 3 || lines.length < rows) return lines;
  const kept = lines.slice(0, rows - 2);
  kept.push(`… ${lines.length - kept.length} more lines (enlarge the terminal)`);
  return kept;
}

export function createStatusScreen(options: StatusScreenOptions): StatusScreen {
  return new StatusScreen(options);
}
