/** Run the real bot (scripts/bot.ts) as a child process and read its JSON log lines. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LogLine {
  readonly msg?: string;
  readonly [key: string]: unknown;
}

export interface BotProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[];
  readonly stderr: string[];
  waitFor(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<number | null>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * These tests run on the wall clock: without this, a run between 15:00 and 17:00 CT, on a CME
 * holiday or past the calendar's years would refuse every entry (as it should for a trader).
 */
export const ALWAYS_OPEN_SETTINGS =
  '{"flatByTime":"","noNewEntriesAfter":"","tradingWindowStart":"","tradingWindowEnd":"","cmeCalendar":false}';

export function startBotProcess(args: readonly string[], env: Record<string, string> = {}): BotProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bot.ts', ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      NO_COLOR: '1',
      LOG_LEVEL: 'info',
      VALUEAREA_SETTINGS: ALWAYS_OPEN_SETTINGS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const stderr: string[] = [];
  const waiters: { predicate: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let buffer = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf('\n');
      if (!text.startsWith('{')) continue;
      try {
        const line = JSON.parse(text) as LogLine;
        lines.push(line);
        for (const w of [...waiters]) {
          if (w.predicate(line)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr,
    exited,
    waitFor(predicate, timeoutMs = 60_000) {
      const found = lines.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `no matching log line within ${timeoutMs} ms; stderr: ${stderr.join('').slice(-2000)}; last lines: ${JSON.stringify(lines.slice(-5))}`,
            ),
          );
        }, timeoutMs);
        waiters.push({
          predicate,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(
            new Error(
              `the bot exited (${code}) before the expected line; stderr: ${stderr.join('').slice(-2000)}`,
            ),
          );
        });
      });
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll until `check` returns a value (or throws after timeoutMs). */
export async function eventually<T>(
  check: () => T | undefined | false,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
