/**
 * LLM trade notes through a command-line tool (default: Claude Code, `claude -p <prompt> --output-format
 * json`). `request` only queues and returns: trading never waits for a note. At most `concurrency`
 * processes run; the queue is bounded (the oldest waiting request is dropped, with a log line). Each
 * process runs without a shell (arguments as an array) in its own process group, so a timeout kills
 * the whole tree. A timeout, a failure or unreadable output is logged and leaves the note empty.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { isSecretKey } from '../../domain/secrets.ts';
import type { TradeNotes } from '../../ports/index.ts';
import { type SinkLogger, silentSinkLogger } from '../../ports/logger.ts';
import { parseCliOutput, type TradeNote } from './prompt.ts';

export interface CliTradeNotesOptions {
  /** Called once per successful note; the caller stores it on the position. */
  readonly onNote: (positionId: string, note: TradeNote) => void;
  /** Default 'claude' (looked up on PATH). */
  readonly command?: string;
  /** Arguments for one prompt; default `['-p', prompt, '--output-format', 'json']`. */
  readonly args?: (prompt: string) => readonly string[];
  /** Default 10,000 ms. */
  readonly timeoutMs?: number;
  /** Processes at once; default 2. */
  readonly concurrency?: number;
  /** Requests waiting at most; default 20. */
  readonly maxQueued?: number;
  /** Stdout kept at most per run; default 1 MiB (more is a failure). */
  readonly maxOutputBytes?: number;
  /** Default: this process's environment without the bot's secrets (see `noteCommandEnv`). */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly logger?: SinkLogger;
}

export interface TradeNotesStats {
  readonly requested: number;
  readonly noted: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly dropped: number;
  readonly running: number;
  readonly queued: number;
  readonly peakRunning: number;
}

interface NoteJob {
  readonly positionId: string;
  readonly prompt: string;
}

/** Variables the model CLI itself needs even though their names look secret. */
const MODEL_CLI_PREFIXES = ['ANTHROPIC_', 'CLAUDE_', 'OPENAI_', 'GEMINI_', 'GOOGLE_'];

/**
 * The environment for the model CLI: everything except the bot's own credentials (broker key,
 * database URL and keys, webhook and bot tokens), which a third-party tool has no business seeing.
 * Model credentials (ANTHROPIC_API_KEY …) stay.
 */
export function noteCommandEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    const modelVariable = MODEL_CLI_PREFIXES.some((prefix) => key.toUpperCase().startsWith(prefix));
    const credentialUrl =
      value !== undefined && /^[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:[^@/?#\s]+@/i.test(value);
    if (
      !modelVariable &&
      (isSecretKey(key) || credentialUrl || /^(PROJECTX|SUPABASE|TELEGRAM|DISCORD)_/i.test(key))
    ) {
      continue;
    }
    kept[key] = value;
  }
  return kept;
}

export function claudeArgs(prompt: string): readonly string[] {
  return ['-p', prompt, '--output-format', 'json'];
}

export class CliTradeNotes implements TradeNotes {
  private readonly queue: NoteJob[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly command: string;
  private readonly args: (prompt: string) => readonly string[];
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly maxOutputBytes: number;
  private readonly logger: SinkLogger;
  private running = 0;
  private stopped = false;
  private counts = { requested: 0, noted: 0, failed: 0, timedOut: 0, dropped: 0, peakRunning: 0 };

  constructor(private readonly options: CliTradeNotesOptions) {
    this.command = options.command ?? 'claude';
    this.args = options.args ?? claudeArgs;
    this.timeoutMs = positive('timeoutMs', options.timeoutMs ?? 10_000);
    this.concurrency = positive('concurrency', options.concurrency ?? 2);
    this.maxQueued = positive('maxQueued', options.maxQueued ?? 20);
    this.maxOutputBytes = positive('maxOutputBytes', options.maxOutputBytes ?? 1024 * 1024);
    this.logger = options.logger ?? silentSinkLogger;
  }

  /** Queue a note for a new entry and return at once. */
  request(positionId: string, prompt: string): void {
    if (this.stopped) return;
    this.counts.requested++;
    this.queue.push({ positionId, prompt });
    if (this.queue.length > this.maxQueued) {
      const dropped = this.queue.shift();
      this.counts.dropped++;
      this.logger.warn(
        { positionId: dropped?.positionId, maxQueued: this.maxQueued },
        'trade note dropped: too many notes waiting',
      );
    }
    this.pump();
  }

  get stats(): TradeNotesStats {
    return { ...this.counts, running: this.running, queued: this.queue.length };
  }

  /** Resolves when nothing runs and nothing waits (tests, shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drop waiting requests and kill running processes (shutdown). */
  stop(): void {
    this.stopped = true;
    this.counts.dropped += this.queue.length;
    this.queue.length = 0;
    for (const child of this.children) killTree(child);
    this.notifyIdle();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift();
      if (job === undefined) break;
      this.running++;
      this.counts.peakRunning = Math.max(this.counts.peakRunning, this.running);
      this.run(job);
    }
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.running !== 0 || this.queue.length !== 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private run(job: NoteJob): void {
    let child: ChildProcess;
    try {
      child = spawn(this.command, [...this.args(job.prompt)], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        env: this.options.env ?? noteCommandEnv(process.env),
        ...(this.options.cwd ? { cwd: this.options.cwd } : {}),
        windowsHide: true,
      });
    } catch (error) {
      this.finish(job, null, `could not start "${this.command}": ${(error as Error).message}`);
      return;
    }
    this.children.add(child);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrTail = '';
    let tooMuch = false;
    let settled = false;
    let exitCode: number | null = null;
    const settle = (outcome: 'closed' | 'timeout' | 'error', detail?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.children.delete(child);
      if (outcome === 'timeout') {
        killTree(child);
        this.finish(job, null, `no answer within ${this.timeoutMs} ms; the process was killed`, true);
        return;
      }
      killTree(child); // stragglers the command left behind
      const [note, failure] = this.outcomeOf(outcome, detail, tooMuch, exitCode, stderrTail, stdout);
      this.finish(job, note, failure);
    };
    const timer = setTimeout(() => settle('timeout'), this.timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > this.maxOutputBytes) {
        tooMuch = true;
        killTree(child);
        return;
      }
      stdout.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-1000);
    });
    child.on('error', (error) => settle('error', `could not run "${this.command}": ${error.message}`));
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 : 1);
    });
    child.on('close', () => settle('closed'));
  }

  private outcomeOf(
    outcome: 'closed' | 'error',
    detail: string | undefined,
    tooMuch: boolean,
    exitCode: number | null,
    stderrTail: string,
    stdout: readonly Buffer[],
  ): [TradeNote | null, string | null] {
    if (outcome === 'error') return [null, detail ?? 'the process failed'];
    if (tooMuch) return [null, `the output exceeded ${this.maxOutputBytes} bytes`];
    if (exitCode !== 0) {
      const tail = stderrTail.trim().slice(-200);
      return [null, `the command exited with code ${exitCode}${tail ? `: ${tail}` : ''}`];
    }
    try {
      return [parseCliOutput(Buffer.concat(stdout).toString('utf8')), null];
    } catch (error) {
      return [null, (error as Error).message];
    }
  }

  private finish(job: NoteJob, note: TradeNote | null, failure: string | null, timedOut = false): void {
    this.running--;
    if (note !== null) {
      this.counts.noted++;
      try {
        this.options.onNote(job.positionId, note);
      } catch (error) {
        this.logger.error({ positionId: job.positionId, err: error }, 'storing the trade note failed');
      }
      this.logger.info({ positionId: job.positionId, confidence: note.confidence }, 'trade note ready');
    } else {
      if (timedOut) this.counts.timedOut++;
      else this.counts.failed++;
      this.logger.warn(
        { positionId: job.positionId, reason: failure },
        'trade note failed; the field stays empty',
      );
    }
    this.pump();
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`trade notes: ${name} must be a positive number, got ${value}`);
  }
  return value;
}

/** Kill the process group (the command and anything it started); fall back to the process alone. */
function killTree(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    if (child.pid !== undefined && process.platform !== 'win32') {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    }
    return;
  }
  try {
    if (process.platform === 'win32') child.kill('SIGKILL');
    else process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

export function createCliTradeNotes(options: CliTradeNotesOptions): CliTradeNotes {
  return new CliTradeNotes(options);
}
