/**
 * The per-account advisory lock with several accounts (docs/accounts.md): two processes on one
 * database never trade the same account. A second bot whose list overlaps the first one's refuses
 * to start, naming the account, and lets go of the accounts it had already locked.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createBotDatabase } from '../../scripts/reliability/pg.ts';
import { DEFAULT_ACCOUNT, type LocalGateway, startLocalGateway } from '../../sim/gateway/index.ts';
import { withPostgres } from '../adapters/store/pg-server.ts';
import { type BotProcess, startBotProcess, tempDir } from './helpers.ts';

withPostgres('the account lock with several accounts', (server) => {
  let gateway: LocalGateway | undefined;
  const bots: BotProcess[] = [];
  const drops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const bot of bots.splice(0)) bot.child.kill('SIGKILL');
    await gateway?.close();
    gateway = undefined;
    for (const drop of drops.splice(0)) await drop();
  });

  it('a second bot whose list overlaps the first refuses to start, naming the account, and frees the rest', async () => {
    gateway = await startLocalGateway({
      port: 0,
      accounts: [1001, 1002, 1003].map((id) => ({ ...DEFAULT_ACCOUNT, id, name: `A${id}` })),
    });
    const db = await createBotDatabase(server, {});
    drops.push(db.drop);
    const dir = tempDir('valuearea-accounts-lock-');
    const start = (name: string, ids: readonly string[]) => {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ accounts: ids.map((id) => ({ id })) }));
      const bot = startBotProcess([
        '--broker',
        'local',
        '--gateway-url',
        gateway!.baseUrl,
        '--database-url',
        db.url,
        '--config',
        file,
        '--no-demo',
        '--no-webhook',
        '--status',
        'off',
        '--port',
        '0',
      ]);
      bots.push(bot);
      return bot;
    };
    const first = start('first', ['1001', '1002']);
    await first.waitFor((l) => l.msg === 'valuearea is running', 90_000);
    const second = start('second', ['1003', '1002']);
    expect(await second.exited).not.toBe(0);
    expect(second.stderr.join('')).toContain(
      'account 1002 is already traded by another valuearea process on this database',
    );
    // 1003 was locked before 1002 was refused: it was let go, so a third bot trades it.
    const third = start('third', ['1003']);
    const running = await third.waitFor((l) => l.msg === 'valuearea is running', 90_000);
    expect(running.accounts).toEqual(['1003']);
  }, 240_000);
});
