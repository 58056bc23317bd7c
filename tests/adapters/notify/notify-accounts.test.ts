/**
 * Notifications of a bot trading several accounts: every message names its account, and the lanes'
 * peripherals (src/app/peripherals.ts) share one notifier, so one loopback "Discord" receives the
 * entries of both accounts and each guard breach with the account it happened on.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/adapters/log/logger.ts';
import { createNotificationFeed } from '../../../src/adapters/notify/feed.ts';
import { formatNotification, type NotificationEvent } from '../../../src/adapters/notify/messages.ts';
import { type BotConfig, parseCommandLine } from '../../../src/app/config.ts';
import { attachPeripherals } from '../../../src/app/peripherals.ts';
import { LANE_T, openLanePosition, THREE_ACCOUNTS, testLane } from '../dashboard/lanes.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function fakeDiscord() {
  const messages: string[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    messages.push((JSON.parse(raw) as { content: string }).content);
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/1/lane-test-token`;
  return { messages, url };
}

describe('notifications naming the account', () => {
  it('puts the account after the kind of every message', () => {
    const account = 'Combine A (12345)';
    const events: NotificationEvent[] = [
      {
        kind: 'entry',
        ts: 1,
        positionId: 'p1',
        symbol: 'ES',
        side: 'long',
        quantity: 2,
        price: 5000.25,
        account,
      },
      {
        kind: 'exit',
        ts: 2,
        positionId: 'p1',
        symbol: 'ES',
        side: 'long',
        quantity: 2,
        price: 5004,
        reason: 'tp1',
        pnl: 362.5,
        account,
      },
      { kind: 'rejection', ts: 3, symbol: 'NQ', reason: 'daily loss limit', account },
      { kind: 'guard', ts: 4, guard: 'risk', reason: 'loss limit reached', account },
    ];
    expect(events.map(formatNotification)).toEqual([
      '🟢 ENTRY [Combine A (12345)] ES long 2 @ 5000.25 (p1)',
      '🏁 EXIT [Combine A (12345)] ES long 2 @ 5004 · tp1 · P&L +$362.50 (p1)',
      '⚠️ REJECTED [Combine A (12345)] NQ: daily loss limit',
      '⛔ GUARD [Combine A (12345)] risk: loss limit reached',
    ]);
    const { account: _, ...plain } = events[0]!;
    expect(formatNotification(plain as NotificationEvent)).toBe('🟢 ENTRY ES long 2 @ 5000.25 (p1)');
  });

  it("tags every event of a lane's feed with its account", () => {
    const lane = testLane(THREE_ACCOUNTS[1]!);
    const seen: NotificationEvent[] = [];
    const feed = createNotificationFeed((e) => seen.push(e), { account: 'Combine B (ACC-2)' });
    lane.runtime.outputs$.subscribe((output) => feed(output as Parameters<typeof feed>[0]));
    openLanePosition(lane, 'pb1', { quantity: 1 });
    lane.runtime.stop();
    expect(seen.map((e) => [e.kind, e.account])).toEqual([['entry', 'Combine B (ACC-2)']]);
  });

  it('two lanes share one notifier: both accounts’ entries and a guard breach, each named', async () => {
    const discord = await fakeDiscord();
    const { config: parsed } = parseCommandLine([], {});
    const config: BotConfig = { ...parsed, discordWebhookUrl: discord.url, notesCommand: 'off' };
    const logger = createLogger({ level: 'silent' });
    const lanes = [testLane(THREE_ACCOUNTS[0]!), testLane(THREE_ACCOUNTS[2]!)];
    const peripherals = lanes.map((lane) =>
      attachPeripherals(config, {
        runtime: lane.runtime,
        sink: {} as never,
        logger,
        account: { id: lane.accountId, name: lane.name },
      }),
    );
    openLanePosition(lanes[0]!, 'pa1', { quantity: 2 });
    openLanePosition(lanes[1]!, 'pc1', { quantity: 1 });
    peripherals[1]!.notifyGuard('loss limit reached: balance at the floor', LANE_T + 60_000);
    // The first lane stopping leaves the shared notifier to the other; the last one flushes it.
    await peripherals[0]!.stop();
    await peripherals[1]!.stop();
    for (const lane of lanes) lane.runtime.stop();
    expect(discord.messages).toEqual([
      '🟢 ENTRY [Combine A (ACC-1)] ES long 2 @ 100 (pa1)',
      '🟢 ENTRY [ACC-3] ES long 1 @ 100 (pc1)',
      '⛔ GUARD [ACC-3] risk: loss limit reached: balance at the floor',
    ]);
  });
});
