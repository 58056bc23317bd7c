/**
 * A crash between two accounts' decisions of one alert (docs/accounts.md): the next start delivers
 * the alert again; the account that had decided it keeps its decision (no second order), the other
 * decides it now, and the alert row ends with both reasons.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINE_MACHINE_VERSION } from '../../machines/engine/machine.ts';
import { pushHistory } from '../../scripts/reliability/crash.ts';
import { DEFAULT_ACCOUNT, type LocalGateway, startLocalGateway } from '../../sim/gateway/index.ts';
import { createStore } from '../../src/adapters/store/factory.ts';
import { restoreAccount } from '../../src/node/restore.ts';
import { idFromKey } from '../../src/runtime/signal-processor.ts';
import { alert, position, signal } from '../adapters/store/fixtures.ts';
import { freshPgliteStore } from '../adapters/store/pglite-template.ts';
import { type BotProcess, eventually, sleep, startBotProcess, tempDir } from './helpers.ts';

describe('an alert a crash interrupted between two accounts', () => {
  let gateway: LocalGateway | undefined;
  const bots: BotProcess[] = [];
  afterEach(async () => {
    for (const bot of bots.splice(0)) bot.child.kill('SIGKILL');
    await gateway?.close();
    gateway = undefined;
  });

  it('is decided again for the account that had not decided it, and only for that one', async () => {
    gateway = await startLocalGateway({
      port: 0,
      accounts: [1001, 1002].map((id) => ({ ...DEFAULT_ACCOUNT, id, name: `A${id}` })),
    });
    const es = gateway.activeContractId('ES');
    pushHistory(gateway, es, Date.now());
    const dir = join(tempDir('valuearea-accounts-restart-'), 'db');
    // What the crashed process left: the alert, still 'received', and account 1001's final decision.
    const now = Date.now();
    const store = await createStore({ pgliteDataDir: dir });
    const key = 'k_crash-1';
    const { id: alertId } = await store.insertAlert(
      alert(key, {
        receivedAt: now,
        parsed: { key, symbol: 'ES', ticker: 'ES1!', action: 'buy', dialect: 'json', firedAt: now },
      }),
    );
    const before = 'FILTERED: cooldown — decided before the crash';
    await store.upsertSignal(
      signal(idFromKey('s', key, '1001'), {
        alertId,
        accountId: '1001',
        status: 'FILTERED',
        reason: before,
        createdAt: now,
        updatedAt: now,
      }),
    );
    await store.close();

    const bot = startBotProcess(
      ['--broker', 'local', '--gateway-url', gateway.baseUrl, '--no-demo', '--status', 'off', '--port', '0'],
      {
        PGLITE_DIR: dir,
        VALUEAREA_ACCOUNTS: JSON.stringify([{ id: '1001' }, { id: '1002' }]),
      },
    );
    bots.push(bot);
    const running = await bot.waitFor((l) => l.msg === 'valuearea is running', 90_000);
    const decided = await bot.waitFor(
      (l) => l.msg === 'signal decided' && l.alertKey === key && l.status === 'EXECUTED',
      30_000,
    );
    expect(decided.account).toBe('1002');
    const g = gateway;
    await eventually(() => g.orders(1002).length === 1, 20_000, "1002's entry order");
    // 1001 decided it before the crash: not again, no order.
    expect(bot.lines.filter((l) => l.msg === 'signal decided' && l.account === '1001')).toEqual([]);
    expect(g.orders(1001)).toEqual([]);
    let row = { status: '', reason: '' as string | null };
    for (const deadline = Date.now() + 20_000; row.status !== 'processed'; await sleep(200)) {
      if (Date.now() > deadline) throw new Error(`the alert row was not marked processed (${row.status})`);
      row = ((await (await fetch(`${running.url}/api/alerts/${alertId}`)).json()) as { alert: typeof row })
        .alert;
    }
    const reason = row.reason ?? '';
    expect(reason).toMatch(new RegExp(`^1001: ${before}; 1002: EXECUTED: long \\d+ ES`));
  }, 180_000);

  it('restoring one account’s sent entry leaves the alert row to the inbox (another account may not have decided it)', async () => {
    const silent = { info: () => {}, warn: () => {} } as unknown as Parameters<
      typeof restoreAccount
    >[3]['logger'];
    for (const markAlertProcessed of [false, true]) {
      const store = await freshPgliteStore();
      const { id: alertId } = await store.insertAlert(alert(`k_sent-${markAlertProcessed}`));
      const sig = signal(`s_sent_${markAlertProcessed}`, { alertId, accountId: '1001', status: 'EXECUTING' });
      await store.upsertSignal(sig);
      const pos = position(`p_sent_${markAlertProcessed}`, {
        signalId: sig.id,
        alertId,
        accountId: '1001',
        machineVersion: ENGINE_MACHINE_VERSION,
      });
      await store.upsertPositions([pos]);
      await restoreAccount(store, await store.openPositions(), '1001', {
        now: Date.now(),
        logger: silent,
        startingBalance: 50_000,
        markAlertProcessed,
      });
      expect((await store.getSignal(sig.id))?.status).toBe('EXECUTED');
      const [row] = (await store.unprocessedAlerts(10, 0, 2)).filter((a) => a.id === alertId);
      // Left 'received' for several accounts: the sweep delivers it to the account without a decision.
      expect(row?.status).toBe(markAlertProcessed ? undefined : 'received');
      await store.close();
    }
  });
});
