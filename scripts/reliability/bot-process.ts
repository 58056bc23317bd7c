/** The bot as a child process (scripts/bot.ts through tsx): start, wait for "valuearea is running", kill. */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BOT = fileURLToPath(new URL('../bot.ts', import.meta.url));

export interface BotProcess {
  readonly child: ChildProcess;
  /** Base URL of its HTTP server, once running. */
  readonly url: string;
  readonly exited: Promise<number | null>;
}

export interface BotLog {
  /** Every JSON line any run printed (parsed), in order. */
  readonly lines: Record<string, unknown>[];
  /** Raw text file all output is appended to (scanned for secrets later). */
  readonly file: string;
}

export async function startBotProcess(
  args: readonly string[],
  env: Record<string, string>,
  log: BotLog,
  timeoutMs = 60_000,
): Promise<BotProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', BOT, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let url: string | null = null;
  let resolveUrl!: (url: string) => void;
  const ready = new Promise<string>((resolve) => {
    resolveUrl = resolve;
  });
  const onData = (stream: NodeJS.ReadableStream) => {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      appendFileSync(log.file, chunk);
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        if (!line.startsWith('{')) continue;
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          log.lines.push(parsed);
          if (parsed.msg === 'valuearea is running' && typeof parsed.url === 'string' && !url) {
            url = parsed.url;
            resolveUrl(parsed.url);
          }
        } catch {
          // not JSON: kept in the file only
        }
      }
    });
  };
  if (child.stdout) onData(child.stdout);
  if (child.stderr) onData(child.stderr);
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`the bot did not start within ${timeoutMs} ms`)), timeoutMs).unref(),
  );
  const died = exited.then((code) => {
    throw new Error(`the bot exited with code ${code} before it was running`);
  });
  const started = await Promise.race([ready, timeout, died]);
  return { child, url: started, exited };
}

export async function killHard(bot: BotProcess): Promise<void> {
  if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill('SIGKILL');
  await bot.exited;
}

export async function stopGracefully(bot: BotProcess, timeoutMs = 15_000): Promise<void> {
  if (bot.child.exitCode !== null || bot.child.signalCode !== null) return;
  bot.child.kill('SIGTERM');
  const timer = setTimeout(() => bot.child.kill('SIGKILL'), timeoutMs);
  await bot.exited;
  clearTimeout(timer);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function eventually<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs: number,
  stepMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}
