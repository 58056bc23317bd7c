/**
 * Ctrl+C speaks: with the status screen on, the bot says on the terminal and in the log file what it
 * does on the way down (pending entries, open positions, the database flush) and ends with "stopped"
 * and exit code 0.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALWAYS_OPEN_SETTINGS, ROOT, tempDir } from './helpers.ts';

const SHUTDOWN_LINES = [
  /stopping \(SIGINT\): no new webhooks or alerts/,
  /cancelling 0 pending entries/,
  /keeping 0 open positions, protected by their broker-side stops/,
  /flushing the database \(\d+ writes, \d+ positions to save\)/,
];

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('shutdown on SIGINT with the status screen on', () => {
  it('says each step on screen and in the log file, then "stopped", and exits 0', async () => {
    const dataDir = tempDir('valuearea-shutdown-');
    const logFile = join(dataDir, 'valuearea.log');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NO_COLOR: '1',
      LOG_LEVEL: 'info',
      VALUEAREA_SETTINGS: ALWAYS_OPEN_SETTINGS,
      VALUEAREA_DATA_DIR: dataDir,
    };
    for (const key of ['PGLITE_DIR', 'PGLITE_DATA_DIR', 'DATABASE_URL', 'SUPABASE_URL']) delete env[key];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/bot.ts', '--no-demo', '--status', 'tty', '--port', '0'],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until(
      () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('"msg":"valuearea is running"'),
      90_000,
      `"valuearea is running" in ${logFile}; stderr: ${stderr}`,
    );
    // The screen draws over the terminal: the lines before this point are not what is checked.
    const screenFrom = stdout.length;
    child.kill('SIGINT');
    const code = await exited;
    expect(code, `stderr: ${stderr.slice(-1500)}`).toBe(0);

    const screen = stdout.slice(screenFrom);
    const logged = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    for (const line of SHUTDOWN_LINES) {
      expect(screen).toMatch(line);
      expect(logged.some((m) => line.test(m))).toBe(true);
    }
    expect(screen.trimEnd().split('\n').at(-1)).toContain('valuearea: stopped');
    expect(logged.at(-1)).toBe('stopped');
    // In order: stopping, cancelling, keeping, flushing, stopped.
    const order = [...SHUTDOWN_LINES, /^stopped$/].map((line) => logged.findIndex((m) => line.test(m)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  }, 150_000);
});
