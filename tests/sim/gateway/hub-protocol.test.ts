import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LocalGateway } from '../../../sim/gateway/index.ts';
import { until, withGateway } from './helpers.ts';

const RS = '\u001e';

interface RawHub {
  ws: WebSocket;
  frames: string[];
  /** Every record received so far, parsed. */
  records(): unknown[];
  closed: Promise<number>;
}

function wsUrl(gateway: LocalGateway, hub: 'user' | 'market', query: string): string {
  return `${gateway.baseUrl.replace('http', 'ws')}/hubs/${hub}${query}`;
}

async function openRaw(url: string, headers: Record<string, string> = {}): Promise<RawHub> {
  const ws = new WebSocket(url, { headers });
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(data.toString()));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    frames,
    closed,
    records: () =>
      frames
        .join('')
        .split(RS)
        .filter((part) => part.length > 0)
        .map((part) => JSON.parse(part) as unknown),
  };
}

function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => undefined);
  });
}

describe('SignalR wire protocol over a raw WebSocket', () => {
  it('answers a handshake and an invocation sent together in one frame, with both records in one frame', async () => {
    await withGateway({}, async (gateway, token) => {
      const hub = await openRaw(wsUrl(gateway, 'user', `?access_token=${token}`));
      hub.ws.send(
        `{"protocol":"json","version":1}${RS}{"type":1,"invocationId":"0","target":"SubscribeOrders","arguments":[1001]}${RS}`,
      );
      await until(() => hub.records().length >= 2, 'handshake and completion');
      expect(hub.frames[0]).toBe(`{}${RS}{"type":3,"invocationId":"0"}${RS}`);
      hub.ws.close();
    });
  });

  it('reassembles one message split across two frames', async () => {
    await withGateway({}, async (gateway, token) => {
      const hub = await openRaw(wsUrl(gateway, 'user', `?access_token=${token}`));
      hub.ws.send(`{"protocol":"json",`);
      hub.ws.send(`"version":1}${RS}{"type":1,"invocationId":"7","target":"Subscribe`);
      hub.ws.send(`Accounts","arguments":[]}${RS}`);
      await until(() => hub.records().length >= 2, 'handshake and completion');
      expect(hub.records()).toEqual([{}, { type: 3, invocationId: '7' }]);
      hub.ws.close();
    });
  });

  it('resolves method names case-insensitively and answers unknown methods and wrong arity with a Completion error', async () => {
    await withGateway({}, async (gateway, token) => {
      const hub = await openRaw(wsUrl(gateway, 'market', `?access_token=${token}`));
      hub.ws.send(`{"protocol":"json","version":1}${RS}`);
      hub.ws.send(
        `{"type":1,"invocationId":"0","target":"subscribecontractquotes","arguments":["CON.F.US.EP.Z26"]}${RS}`,
      );
      hub.ws.send(`{"type":1,"invocationId":"1","target":"SubscribeEverything","arguments":[]}${RS}`);
      hub.ws.send(`{"type":1,"invocationId":"2","target":"SubscribeContractTrades","arguments":[]}${RS}`);
      await until(() => hub.records().length >= 4, 'three completions');
      const [, ok, unknown, arity] = hub.records() as Record<string, unknown>[];
      expect(ok).toEqual({ type: 3, invocationId: '0' });
      expect(unknown).toEqual({
        type: 3,
        invocationId: '1',
        error: "Unknown hub method 'SubscribeEverything'",
      });
      expect(arity).toMatchObject({ type: 3, invocationId: '2' });
      expect(String(arity!['error'])).toContain('Invocation provides 0 argument(s) but target expects 1');
      expect(ok).not.toHaveProperty('result');
      hub.ws.close();
    });
  });

  it('stays silent for a send (no invocationId), even to an unknown method', async () => {
    await withGateway({}, async (gateway, token) => {
      const hub = await openRaw(wsUrl(gateway, 'user', `?access_token=${token}`));
      hub.ws.send(`{"protocol":"json","version":1}${RS}`);
      hub.ws.send(`{"type":1,"target":"SubscribeOrders","arguments":[1001]}${RS}`);
      hub.ws.send(`{"type":1,"target":"Nope","arguments":[]}${RS}`);
      hub.ws.send(`{"type":1,"invocationId":"9","target":"SubscribeTrades","arguments":[1001]}${RS}`);
      await until(() => hub.records().length >= 2, 'the only completion');
      expect(hub.records()).toEqual([{}, { type: 3, invocationId: '9' }]);
      hub.ws.close();
    });
  });

  it('sends server events without an invocationId, in the documented casing', async () => {
    await withGateway({}, async (gateway, token) => {
      const es = gateway.activeContractId('ES');
      const hub = await openRaw(wsUrl(gateway, 'market', `?access_token=${token}`));
      hub.ws.send(
        `{"protocol":"json","version":1}${RS}{"type":1,"invocationId":"0","target":"SubscribeContractTrades","arguments":["${es}"]}${RS}`,
      );
      await until(() => hub.records().length >= 2, 'completion');
      gateway.pushPrice(es, 5000);
      await until(() => hub.records().length >= 3, 'trade event');
      const event = hub.records()[2] as Record<string, unknown>;
      expect(event).not.toHaveProperty('invocationId');
      expect(event).toMatchObject({ type: 1, target: 'GatewayTrade', arguments: [es, { price: 5000 }] });
      hub.ws.close();
    });
  });

  it('pings every pingIntervalMs after the handshake', async () => {
    await withGateway({ pingIntervalMs: 50 }, async (gateway, token) => {
      const hub = await openRaw(wsUrl(gateway, 'user', `?access_token=${token}`));
      hub.ws.send(`{"protocol":"json","version":1}${RS}`);
      await until(
        () => hub.records().filter((r) => (r as { type?: number }).type === 6).length >= 2,
        'two pings',
      );
      hub.ws.close();
    });
  });

  it('rejects an unsupported protocol with a handshake error and closes', async () => {
    await withGateway({}, async (gateway, token) => {
      const hub = await openRaw(wsUrl(gateway, 'user', `?access_token=${token}`));
      hub.ws.send(`{"protocol":"messagepack","version":1}${RS}`);
      await hub.closed;
      expect(hub.records()).toEqual([{ error: "The protocol 'messagepack' is not supported." }]);
    });
  });

  it('closes a connection that sends no handshake in time', async () => {
    await withGateway({ handshakeTimeoutMs: 50 }, async (gateway, token) => {
      const hub = await openRaw(wsUrl(gateway, 'user', `?access_token=${token}`));
      await hub.closed;
      expect(hub.records()).toEqual([{ type: 7, error: 'Handshake was canceled.' }]);
    });
  });

  it('takes the token from the header, the query or a duplicated query, and refuses the upgrade without one', async () => {
    await withGateway({}, async (gateway, token) => {
      expect(await upgradeStatus(wsUrl(gateway, 'user', ''))).toBe(401);
      expect(await upgradeStatus(wsUrl(gateway, 'user', '?access_token=bogus'))).toBe(401);
      expect(await upgradeStatus(wsUrl(gateway, 'user', ''), { authorization: `Bearer ${token}` })).toBe(101);
      expect(await upgradeStatus(wsUrl(gateway, 'market', `?access_token=${token}`))).toBe(101);
      expect(
        await upgradeStatus(wsUrl(gateway, 'market', `?access_token=${token}&access_token=${token}`)),
      ).toBe(101);
      expect(await upgradeStatus(wsUrl(gateway, 'market', `?access_token=stale&access_token=${token}`))).toBe(
        101,
      );
      expect(await upgradeStatus(wsUrl(gateway, 'elsewhere' as 'user', `?access_token=${token}`))).toBe(404);
    });
  });

  it('serves negotiate and accepts the WebSocket only with the negotiated connectionToken, once', async () => {
    await withGateway({}, async (gateway, token) => {
      const refused = await fetch(`${gateway.userHubUrl}/negotiate?negotiateVersion=1`, { method: 'POST' });
      expect(refused.status).toBe(401);
      const response = await fetch(`${gateway.userHubUrl}/negotiate?negotiateVersion=1`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      const negotiation = (await response.json()) as Record<string, unknown>;
      expect(negotiation).toMatchObject({
        negotiateVersion: 1,
        availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }],
      });
      const id = String(negotiation['connectionToken']);
      expect(await upgradeStatus(wsUrl(gateway, 'market', `?id=${id}&access_token=${token}`))).toBe(404);
      expect(await upgradeStatus(wsUrl(gateway, 'user', `?id=${id}&access_token=${token}`))).toBe(101);
      expect(await upgradeStatus(wsUrl(gateway, 'user', `?id=${id}&access_token=${token}`))).toBe(404);
    });
  });

  it('drops every subscription when the connection closes', async () => {
    await withGateway({}, async (gateway, token) => {
      const hub = await openRaw(wsUrl(gateway, 'user', `?access_token=${token}`));
      hub.ws.send(
        `{"protocol":"json","version":1}${RS}{"type":1,"invocationId":"0","target":"SubscribeOrders","arguments":[1001]}${RS}`,
      );
      await until(() => hub.records().length >= 2, 'completion');
      expect(gateway.hubConnections('user')).toBe(1);
      hub.ws.close();
      await hub.closed;
      await until(() => gateway.hubConnections('user') === 0, 'the server to forget the connection');
    });
  });
});
