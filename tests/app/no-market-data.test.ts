/**
 * A paper run without the demo and without TopstepX credentials has no prices: the start says so in
 * one line, with the commands that give it some. Runs that do have prices do not say it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { startBot } from '../../src/app/bot.ts';
import { parseCommandLine } from '../../src/app/config.ts';
import { ALWAYS_OPEN_SETTINGS, tempDir } from './helpers.ts';

async function startMessages(args: string[]): Promise<{ msg: string; level: string }[]> {
  const lines: { msg: string; level: string }[] = [];
  const stdout = {
    isTTY: false,
    write(chunk: string) {
      for (const line of String(chunk).split('\n'))
        if (line.startsWith('{')) lines.push(JSON.parse(line) as { msg: string; level: string });
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  const env = {
    VALUEAREA_DATA_DIR: tempDir('valuearea-no-market-data-'),
    VALUEAREA_SETTINGS: ALWAYS_OPEN_SETTINGS,
    LOG_LEVEL: 'info',
  };
  const { config } = parseCommandLine([...args, '--status', 'plain', '--port', '0', '--no-webhook'], env);
  const bot = await startBot(config, { stdout });
  await bot.stop('test done');
  return lines;
}

const NO_MARKET_DATA = /^no market data: /;

// The venue reads credentials from process.env: none here, whatever the shell running the tests has.
beforeAll(() => {
  delete process.env.PROJECTX_USERNAME;
  delete process.env.PROJECTX_API_KEY;
});

describe('the start line about market data', () => {
  it('a paper run without the demo or credentials says it has no market data and how to get some', async () => {
    const lines = await startMessages(['--no-demo']);
    const said = lines.filter((l) => NO_MARKET_DATA.test(l.msg));
    expect(said).toHaveLength(1);
    expect(said[0]?.level).toBe('warn');
    expect(said[0]?.msg).toContain('no bars in the profile range');
    expect(said[0]?.msg).toContain('npm start -- --demo');
    expect(said[0]?.msg).toContain('npm run local-gateway');
    expect(said[0]?.msg).toContain('--broker local');
    expect(said[0]?.msg).toContain('PROJECTX_USERNAME');
    // Said before the bot reports it is running, with the rest of the start.
    const running = lines.findIndex((l) => l.msg === 'valuearea is running');
    expect(lines.indexOf(said[0] as (typeof lines)[number])).toBeLessThan(running);
  }, 60_000);

  it('the demo has prices and does not say it', async () => {
    const lines = await startMessages([]);
    expect(lines.some((l) => l.msg === 'valuearea is running')).toBe(true);
    expect(lines.some((l) => NO_MARKET_DATA.test(l.msg))).toBe(false);
  }, 60_000);
});
