/** The relay's environment: which storage it picks, and the messages for what is missing or wrong. */
import { describe, expect, it } from 'vitest';
import { relayConfigFromEnv } from '../../supabase/functions/tradingview-webhook/config.ts';

const env =
  (vars: Record<string, string>) =>
  (name: string): string | undefined =>
    vars[name];

const HOSTED = {
  WEBHOOK_SECRET: 'abc',
  SUPABASE_URL: 'https://ref.supabase.co',
  SUPABASE_SERVICE_ROLE_KEY: 'service-key',
  SUPABASE_DB_URL: 'postgres://postgres:pw@db.ref.supabase.co:5432/postgres',
};

describe('relay configuration', () => {
  it('uses supabase-js on hosted Supabase, where all three variables are injected', () => {
    const config = relayConfigFromEnv(env(HOSTED));
    expect(config.problems).toEqual([]);
    expect(config.storage).toEqual({
      kind: 'supabase-js',
      url: 'https://ref.supabase.co',
      serviceRoleKey: 'service-key',
    });
    expect(config.intake.secrets).toEqual(['abc']);
    expect(config.storeTimeoutMs).toBe(2_500);
  });

  it('connects directly when only SUPABASE_DB_URL is set, or when WEBHOOK_STORAGE=postgres', () => {
    expect(
      relayConfigFromEnv(env({ WEBHOOK_SECRET: 'abc', SUPABASE_DB_URL: 'postgres://x/db' })).storage,
    ).toEqual({
      kind: 'postgres',
      databaseUrl: 'postgres://x/db',
    });
    expect(relayConfigFromEnv(env({ ...HOSTED, WEBHOOK_STORAGE: 'postgres' })).storage?.kind).toBe(
      'postgres',
    );
  });

  it('takes the key from SUPABASE_SECRET_KEYS when the legacy service role key is absent', () => {
    const config = relayConfigFromEnv(
      env({
        WEBHOOK_SECRET: 'abc',
        SUPABASE_URL: 'https://ref.supabase.co',
        SUPABASE_SECRET_KEYS: '{"default":"sb_secret_x"}',
      }),
    );
    expect(config.storage).toMatchObject({ kind: 'supabase-js', serviceRoleKey: 'sb_secret_x' });
  });

  it('accepts the previous secret during a rotation', () => {
    const config = relayConfigFromEnv(env({ ...HOSTED, WEBHOOK_SECRET_PREVIOUS: 'old' }));
    expect(config.intake.secrets).toEqual(['abc', 'old']);
  });

  it('names every missing or bad variable and how to fix it', () => {
    const config = relayConfigFromEnv(
      env({ WEBHOOK_MAX_LAG_MS: 'soon', WEBHOOK_ALLOW_MISSING_TIME: 'perhaps', WEBHOOK_STORAGE: 'redis' }),
    );
    expect(config.storage).toBeUndefined();
    expect(config.problems).toEqual([
      expect.stringContaining('WEBHOOK_SECRET is not set — run `supabase secrets set WEBHOOK_SECRET='),
      expect.stringContaining('WEBHOOK_MAX_LAG_MS="soon" is not a whole number'),
      expect.stringContaining('WEBHOOK_ALLOW_MISSING_TIME="perhaps" is not true or false'),
      expect.stringContaining('WEBHOOK_STORAGE="redis" is not supabase-js or postgres'),
    ]);
    expect(
      relayConfigFromEnv(env({ WEBHOOK_SECRET: 'abc', SUPABASE_URL: 'https://ref.supabase.co' })).problems,
    ).toEqual([expect.stringContaining('no service key')]);
  });

  it('accepts templates without a time by default, like the bot', () => {
    expect(relayConfigFromEnv(env(HOSTED)).intake).toMatchObject({ allowMissingTime: true });
  });

  it('passes the intake options through', () => {
    const config = relayConfigFromEnv(
      env({
        ...HOSTED,
        WEBHOOK_MAX_LAG_MS: '30000',
        WEBHOOK_ALLOW_MISSING_TIME: 'false',
        WEBHOOK_ALLOW_SCALE_IN: 'no',
        WEBHOOK_PIPE_FIELDS: 'secret, strategy ,action,ticker',
      }),
    );
    expect(config.intake).toMatchObject({
      maxLagMs: 30_000,
      allowMissingTime: false,
      allowScaleIn: false,
      pipeFields: ['secret', 'strategy', 'action', 'ticker'],
    });
  });
});
