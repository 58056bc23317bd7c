/**
 * The bot as a newcomer runs it: `npm start` with nothing configured shows the whole loop (an
 * alert arrives, is decided, enters, climbs the ladder and closes) within a minute, Ctrl+C stops it
 * cleanly, and a wrong setting stops the start with a message that names it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, startBotProcess, tempDir } from './helpers.ts';

describe('the bot from the command line', () => {
  it('refuses a wrong setting with exit code 2 and a message naming it', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/bot.ts', '--broker', 'ibkr', '--port', 'abc', '--protective-stops', 'oco'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--port: "abc" is not a number');
    expect(result.stderr).toContain('--broker');
    expect(result.stderr).toContain('use --broker paper, --broker local or --broker topstepx');
    expect(result.stderr).toMatch(
      /--protective-stops: .*\(got "oco"\); use --protective-stops broker, bracket or local/,
    );
  }, 60_000);

  it('prints its options with --help', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bot.ts', '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: npm start');
  }, 60_000);

  it('a SIGTERM while it is still starting stops it cleanly once it runs (exit 0), not by the signal', async () => {
    const bot = startBotProcess(['--no-demo', '--status', 'off', '--port', '0'], {
      PGLITE_DIR: tempDir('valuearea-early-stop-'),
    });
    // The first log line comes while the store, the broker and the server are still being set up.
    const first = await bot.waitFor(() => true, 60_000);
    expect(first.msg).not.toBe('valuearea is running');
    bot.child.kill('SIGTERM');
    const code = await bot.exited;
    expect(
      code,
      `exit signal ${String(bot.child.signalCode)}; stderr: ${bot.stderr.join('').slice(-1500)}`,
    ).toBe(0);
    expect(bot.lines.map((l) => l.msg)).toContain('valuearea is running');
    expect(bot.lines.at(-1)?.msg).toBe('stopped');
  }, 90_000);

  it('shows the whole loop on the paper broker within a minute, then stops cleanly on SIGINT', async () => {
    const dir = tempDir('valuearea-start-');
    const bot = startBotProcess(['--status', 'plain', '--port', '0'], { PGLITE_DIR: join(dir, 'pglite') });
    await bot.waitFor((l) => l.msg === 'valuearea is running', 90_000);
    const received = await bot.waitFor((l) => l.msg === 'alert received', 30_000);
    const decided = await bot.waitFor(
      (l) => l.msg === 'signal decided' && l.alertKey === received.alertKey,
      30_000,
    );
    expect(decided.status).toBe('EXECUTED');
    for (const state of ['active', 'tp1', 'tp2', 'tp3', 'closed']) {
      await bot.waitFor((l) => l.msg === 'position state' && l.state === state, 60_000);
    }
    bot.child.kill('SIGINT');
    expect(await bot.exited).toBe(0);
    expect(bot.lines.some((l) => l.msg === 'stopped')).toBe(true);
    // Nothing secret-looking and no stack traces on a clean run.
    expect(bot.stderr.join('')).not.toMatch(/Error|at .*\.ts:\d+/);
  }, 150_000);
});
