/**
 * Each mode keeps its own database by default: a demo run's positions and trades are never seen by
 * a later paper run (no demo profit in its daily P&L, no demo position coming back as an orphan),
 * while an explicit database setting still wins.
 */
import { describe, expect, it } from 'vitest';
import { type BotHandle, startBot } from '../../src/app/bot.ts';
import { databaseFor, parseCommandLine } from '../../src/app/config.ts';
import { ALWAYS_OPEN_SETTINGS, tempDir } from './helpers.ts';

/** A start without credentials or database settings from the developer's shell. */
function envFor(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    VALUEAREA_DATA_DIR: dataDir,
    VALUEAREA_SETTINGS: ALWAYS_OPEN_SETTINGS,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** A stdout that keeps the JSON log lines the bot writes (not a terminal: no status screen). */
function captureStdout(): { stream: NodeJS.WriteStream; messages: string[] } {
  const messages: string[] = [];
  const stream = {
    isTTY: false,
    write(chunk: string) {
      for (const line of String(chunk).split('\n'))
        if (line.startsWith('{')) messages.push((JSON.parse(line) as { msg: string }).msg);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, messages };
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a database per mode', () => {
  it('puts demo, paper, local and each live account in their own folder; an explicit one wins', () => {
    const dir = tempDir('valuearea-modes-');
    const folder = (args: string[], extra: Record<string, string> = {}) =>
      databaseFor(parseCommandLine(args, envFor(dir, extra)).config).pgliteDir;
    const creds = { PROJECTX_USERNAME: 'trader', PROJECTX_API_KEY: 'key-123456' };
    const folders = [
      folder([]),
      folder(['--no-demo']),
      folder(['--broker', 'local', '--no-demo']),
      folder(['--broker', 'topstepx', '--account-id', '111'], creds),
      folder(['--broker', 'topstepx', '--account-id', '222'], creds),
    ];
    expect(folders.map((f) => f.slice(dir.length + 1))).toEqual([
      'db/demo',
      'db/paper',
      'db/local',
      'db/live-111',
      'db/live-222',
    ]);
    expect(folder([], { PGLITE_DIR: '/somewhere/pglite' })).toBe('/somewhere/pglite');
    const url = databaseFor(
      parseCommandLine(['--no-demo'], envFor(dir, { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' })).config,
    );
    expect(url.explicit).toBe(true);
    expect(url.description).toMatch(/PostgreSQL/);
  });

  it("a paper run does not see the demo run's positions or trades", async () => {
    const dir = tempDir('valuearea-demo-then-paper-');
    let bot: BotHandle | undefined;
    try {
      const demoOut = captureStdout();
      const demo = parseCommandLine(['--status', 'plain', '--port', '0'], envFor(dir)).config;
      bot = await startBot(demo, { stdout: demoOut.stream });
      const demoBot = bot;
      // The demo posts an alert after ~3 s, enters on it and its scripted price closes the trade.
      const trades = await until(
        () => demoBot.store.recentTrades(10),
        (t) => t.length > 0,
        90_000,
      );
      expect(trades[0]?.accountId).toBe(demoBot.broker.accountId);
      expect(demoBot.processor.guardState().realizedPnlToday).not.toBe(0);
      expect(demoOut.messages.some((m) => /^database: .*db[\\/]demo .*mode demo$/.test(m))).toBe(true);
      await bot.stop('test: demo done');
      bot = undefined;

      const paperOut = captureStdout();
      const paper = parseCommandLine(['--no-demo', '--status', 'plain', '--port', '0'], envFor(dir)).config;
      bot = await startBot(paper, { stdout: paperOut.stream });
      expect(paperOut.messages.some((m) => /^database: .*db[\\/]paper .*mode paper$/.test(m))).toBe(true);
      expect(await bot.store.openPositions()).toEqual([]);
      expect(await bot.store.recentTrades(10)).toEqual([]);
      expect(bot.runtime.positions()).toEqual([]);
      // Same paper account id, so a shared database would count the demo's profit here.
      expect(bot.broker.accountId).toBe(trades[0]?.accountId);
      expect(bot.processor.guardState().realizedPnlToday).toBe(0);
    } finally {
      await bot?.stop('test done');
    }
  }, 150_000);
});
