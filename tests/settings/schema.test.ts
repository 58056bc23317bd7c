import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseCommandLine, USAGE } from '../../src/app/config.ts';
import {
  type BotSettings,
  DEFAULT_SETTINGS,
  SETTING_DECLARATIONS,
  SETTING_KEYS,
} from '../../src/domain/settings.ts';
import { withSettingsTable } from '../../src/settings/docs.ts';
import { settingFlag } from '../../src/settings/flags.ts';
import {
  nearestSetting,
  parseSettings,
  parseSettingsPatch,
  SettingsError,
} from '../../src/settings/schema.ts';
import { createSettingsSource } from '../../src/settings/source.ts';

const refused = (raw: unknown): string[] => {
  try {
    parseSettingsPatch(raw, 'test');
  } catch (error) {
    if (error instanceof SettingsError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('the settings schema', () => {
  it('accepts every default and refuses nothing of them', () => {
    expect(parseSettings(DEFAULT_SETTINGS, 'defaults')).toEqual(DEFAULT_SETTINGS);
  });

  it('refuses wrong types and formats, naming the key, what it got and the fix', () => {
    expect(refused({ cooldownMs: 'five minutes' })).toEqual([
      'cooldownMs: got "five minutes"; use a whole number from 0 (ms), e.g. "cooldownMs":300000',
    ]);
    expect(refused({ flatByTime: '3pm' })[0]).toMatch(/^flatByTime: got "3pm"; use a local time "HH:MM"/);
    expect(refused({ timeZone: 'Chicago' })[0]).toMatch(/^timeZone: got "Chicago"; use an IANA time zone/);
    expect(refused({ watchlist: ['ESS'] })[0]).toMatch(
      /^watchlist: got \["ESS"\]; use a list of root symbols/,
    );
    expect(refused({ valueAreaPercent: 0 })[0]).toMatch(
      /^valueAreaPercent: got 0; use a number from 1 to 100 \(%\)/,
    );
    // A fraction is the common slip (0.7 for 70%): it would be a 0.7% value area.
    expect(refused({ valueAreaPercent: 0.7 })[0]).toMatch(
      /^valueAreaPercent: got 0.7; use a number from 1 to 100 \(%\)/,
    );
    expect(refused({ dcaLevels: [{ fraction: 1.5, sizeShare: 1 }] })[0]).toMatch(/^dcaLevels:/);
  });

  it('refuses unknown keys and suggests the nearest one', () => {
    expect(refused({ riskPerTrad: 1 })).toEqual([
      'riskPerTrad: not a setting; did you mean riskPerTrade? (every setting: docs/settings.md)',
    ]);
    expect(refused({ frobnicate: 1 })[0]).toBe('frobnicate: not a setting (every setting: docs/settings.md)');
    expect(nearestSetting('flatby')).toBe('flatByTime');
  });

  it('reports every problem of a patch at once and refuses non-objects', () => {
    expect(refused({ cooldownMs: -1, maxContracts: 0, isActive: 'yes' })).toHaveLength(3);
    expect(refused([1])[0]).toMatch(/must be a JSON object/);
  });

  it('accepts every target choice for each take-profit rung and refuses anything else, naming the key', () => {
    for (const key of ['tp1Target', 'tp2Target', 'tp3Target'] as const)
      for (const value of ['poc', 'value_edge', 'profile_extreme', 'r1', 'r2', 'r3'])
        expect(parseSettingsPatch({ [key]: value }, 'p')).toEqual({ [key]: value });
    expect(refused({ tp1Target: 'r4' })).toEqual([
      'tp1Target: got "r4"; use one of poc, value_edge, profile_extreme, r1, r2, r3, e.g. "tp1Target":"poc"',
    ]);
    expect(refused({ tp2Target: 'VAH' })[0]).toMatch(/^tp2Target: got "VAH"; use one of poc, value_edge/);
    expect(refused({ tp3Target: 3 })[0]).toMatch(/^tp3Target: got 3; use one of /);
  });

  it('accepts any value inside a numeric setting’s declared range (property)', () => {
    const numeric = SETTING_KEYS.filter((k) => {
      const t = SETTING_DECLARATIONS[k].kind.type;
      return t === 'integer' || t === 'number';
    });
    fc.assert(
      fc.property(fc.constantFrom(...numeric), fc.integer({ min: 1, max: 100 }), (key, value) => {
        const kind = SETTING_DECLARATIONS[key].kind as { min: number; max?: number };
        const v = Math.min(kind.max ?? value, Math.max(kind.min + 1, value));
        expect(parseSettingsPatch({ [key]: v }, 'p')).toEqual({ [key]: v });
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('the command line', () => {
  const env = { PGLITE_DIR: '/tmp/x' };
  it('has a flag per setting, in --help too, giving a start layer', () => {
    for (const key of SETTING_KEYS) expect(USAGE).toContain(`--${settingFlag(key)}`);
    const { config } = parseCommandLine(
      ['--risk-per-trade', '250', '--blacklist', 'cl,gc', '--close-at-tp3', 'true'],
      env,
    );
    expect(config.settingsLayers).toEqual([
      { origin: 'flags', values: { riskPerTrade: 250, blacklist: ['CL', 'GC'], closeAtTp3: true } },
    ]);
  });

  it('refuses a wrong setting from the environment or a flag at start, naming it', () => {
    const problems = (argv: string[], e: Record<string, string>) => {
      try {
        parseCommandLine(argv, { ...env, ...e });
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.join('\n');
        throw error;
      }
      return '';
    };
    expect(problems([], { VALUEAREA_SETTINGS: '{"cooldownMs":"five minutes"}' })).toMatch(
      /^VALUEAREA_SETTINGS: cooldownMs: got "five minutes"; use a whole number/,
    );
    expect(problems([], { VALUEAREA_SETTINGS: '{"flatbytime":""}' })).toMatch(/did you mean flatByTime\?/);
    expect(problems(['--flat-by-time', '3pm'], {})).toMatch(/^--flat-by-time: got "3pm"/);
    expect(problems(['--tp1-target', 'r5'], {})).toMatch(
      /^--tp1-target: got "r5"; use one of poc, value_edge/,
    );
  });

  it('takes a target choice per rung from its flag', () => {
    const { config } = parseCommandLine(['--tp2-target', 'r2', '--tp3-target', 'value_edge'], env);
    expect(config.settingsLayers).toEqual([
      { origin: 'flags', values: { tp2Target: 'r2', tp3Target: 'value_edge' } },
    ]);
  });
});

describe('the settings source', () => {
  const memoryStore = (saved: BotSettings | null) => {
    const state = { saved, writes: 0 };
    return {
      state,
      savedSettings: async () => state.saved,
      saveSettings: async (s: BotSettings) => {
        state.saved = s;
        state.writes++;
      },
    };
  };

  it('layers defaults → saved row → file → environment → dashboard', async () => {
    const store = memoryStore({ ...DEFAULT_SETTINGS, riskPerTrade: 300, maxContracts: 2 });
    const source = await createSettingsSource({
      store,
      layers: [
        { origin: '--config settings', values: { riskPerTrade: 400, cooldownMs: 0 } },
        { origin: 'VALUEAREA_SETTINGS', values: { cooldownMs: 1_000 } },
      ],
    });
    expect(source.current()).toMatchObject({ riskPerTrade: 400, maxContracts: 2, cooldownMs: 1_000 });
    expect(source.shadowed).toEqual([{ key: 'riskPerTrade', origin: '--config settings' }]);
    await source.update({ maxContracts: 3 }, 'dashboard');
    expect(source.current().maxContracts).toBe(3);
    expect(store.state.saved?.maxContracts).toBe(3);
  });

  it('pauses and resumes at once; a run-only layer is applied but never saved', async () => {
    const store = memoryStore(null);
    const source = await createSettingsSource({
      store,
      layers: [],
      runOnly: (s) => ({ ...s, cooldownMs: 10 }),
    });
    await source.pause();
    expect(source.current().isActive).toBe(false);
    expect(source.paused()).toBe(true);
    expect(store.state.saved?.cooldownMs).toBe(DEFAULT_SETTINGS.cooldownMs);
    expect(source.current().cooldownMs).toBe(10);
    await source.resume();
    expect(source.current().isActive).toBe(true);
  });

  it('applies nothing of a refused change', async () => {
    const store = memoryStore(null);
    const source = await createSettingsSource({ store, layers: [] });
    await expect(source.update({ blacklist: ['CL'], cooldownMs: 'soon' }, 'dashboard')).rejects.toThrow(
      /cooldownMs: got "soon"/,
    );
    expect(source.current()).toEqual(DEFAULT_SETTINGS);
    expect(store.state.writes).toBe(0);
  });

  it('refuses an invalid saved row at start, naming the key', async () => {
    const store = memoryStore({ ...DEFAULT_SETTINGS, flatByTime: '25:00' });
    await expect(createSettingsSource({ store, layers: [] })).rejects.toThrow(
      /saved settings \(bot_settings\): flatByTime: got "25:00"/,
    );
  });
});

describe('docs/settings.md', () => {
  it('has the table the declarations give (npm run docs:settings rewrites it)', () => {
    const doc = readFileSync(new URL('../../docs/settings.md', import.meta.url), 'utf8');
    expect(withSettingsTable(doc)).toBe(doc);
  });
});
