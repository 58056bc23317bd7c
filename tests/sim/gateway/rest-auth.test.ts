import { describe, expect, it } from 'vitest';
import { startLocalGateway } from '../../../sim/gateway/index.ts';
import { login, post, withGateway } from './helpers.ts';

describe('REST authentication', () => {
  it('answers GET /api/Status/ping with plain pong and no auth', async () => {
    await withGateway({}, async (gateway) => {
      const response = await fetch(`${gateway.baseUrl}/api/Status/ping`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('pong');
    });
  });

  it('issues a JWT-shaped token for the configured credentials and refuses others with code 3', async () => {
    const gateway = await startLocalGateway({ userName: 'trader', apiKey: 'secret-key' });
    try {
      const good = await post(gateway, '/api/Auth/loginKey', { userName: 'trader', apiKey: 'secret-key' });
      expect(good.status).toBe(200);
      expect(good.json).toMatchObject({ success: true, errorCode: 0, errorMessage: null });
      expect(String(good.json!['token']).split('.')).toHaveLength(3);
      const bad = await post(gateway, '/api/Auth/loginKey', { userName: 'trader', apiKey: 'wrong' });
      expect(bad.status).toBe(200);
      expect(bad.json).toMatchObject({ success: false, errorCode: 3, token: null });
      const missing = await post(gateway, '/api/Auth/loginKey', { userName: 'trader' });
      expect(missing.status).toBe(400);
      expect(missing.json!['errors']).toHaveProperty('apiKey');
    } finally {
      await gateway.close();
    }
  });

  it('refuses loginApp with code 4 (the API key is the supported login)', async () => {
    await withGateway({}, async (gateway) => {
      const reply = await post(gateway, '/api/Auth/loginApp', {
        userName: 'demo',
        password: 'x',
        deviceId: 'd',
        appId: 'a',
        verifyKey: 'v',
      });
      expect(reply.json).toMatchObject({ success: false, errorCode: 4, token: null });
    });
  });

  it('answers 401 without a bearer token, with an unknown one, and with an expired one', async () => {
    let clock = Date.UTC(2026, 0, 5, 15);
    const gateway = await startLocalGateway({ now: () => clock, tokenLifetimeMs: 60_000 });
    try {
      const token = await login(gateway);
      const body = { onlyActiveAccounts: true };
      expect((await post(gateway, '/api/Account/search', body)).status).toBe(401);
      expect((await post(gateway, '/api/Account/search', body, 'not-a-token')).status).toBe(401);
      expect((await post(gateway, '/api/Account/search', body, token)).status).toBe(200);
      clock += 60_000;
      const expired = await post(gateway, '/api/Account/search', body, token);
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toContain('invalid_token');
    } finally {
      await gateway.close();
    }
  });

  it('validate returns a newToken that works and keeps working after the old one expires', async () => {
    let clock = Date.UTC(2026, 0, 5, 15);
    const gateway = await startLocalGateway({ now: () => clock, tokenLifetimeMs: 60_000 });
    try {
      const token = await login(gateway);
      clock += 30_000;
      const validate = await post(gateway, '/api/Auth/validate', undefined, token);
      expect(validate.json).toMatchObject({ success: true, errorCode: 0 });
      const fresh = String(validate.json!['newToken']);
      expect(fresh).not.toBe(token);
      clock += 40_000;
      expect((await post(gateway, '/api/Account/search', { onlyActiveAccounts: true }, token)).status).toBe(
        401,
      );
      expect((await post(gateway, '/api/Account/search', { onlyActiveAccounts: true }, fresh)).status).toBe(
        200,
      );
    } finally {
      await gateway.close();
    }
  });

  it('logout invalidates the calling token only', async () => {
    await withGateway({}, async (gateway, token) => {
      const other = await login(gateway);
      expect((await post(gateway, '/api/Auth/logout', undefined, token)).json).toMatchObject({
        success: true,
      });
      expect((await post(gateway, '/api/Account/search', { onlyActiveAccounts: false }, token)).status).toBe(
        401,
      );
      expect((await post(gateway, '/api/Account/search', { onlyActiveAccounts: false }, other)).status).toBe(
        200,
      );
    });
  });

  it('the expireTokens fault makes every current token a 401 while a new login works', async () => {
    await withGateway({}, async (gateway, token) => {
      gateway.faults.expireTokens();
      expect((await post(gateway, '/api/Account/search', { onlyActiveAccounts: true }, token)).status).toBe(
        401,
      );
      const fresh = await login(gateway);
      expect((await post(gateway, '/api/Account/search', { onlyActiveAccounts: true }, fresh)).status).toBe(
        200,
      );
    });
  });

  it('records every REST call with its status', async () => {
    await withGateway({}, async (gateway, token) => {
      await post(gateway, '/api/Account/search', { onlyActiveAccounts: true }, token);
      await post(gateway, '/api/Account/search', { onlyActiveAccounts: true });
      const calls = gateway.restCalls().map((call) => [call.path, call.status]);
      expect(calls).toEqual([
        ['/api/Auth/loginKey', 200],
        ['/api/Account/search', 200],
        ['/api/Account/search', 401],
      ]);
    });
  });
});
