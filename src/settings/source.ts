/**
 * The live settings: one current value built from layers, read by the signal processor on every
 * alert, so a change takes effect on the next one.
 *
 *   defaults → database (the saved row) → config file (`settings` in --config)
 *            → environment (VALUEAREA_SETTINGS) → flags → dashboard actions while running
 *
 * The database row always exists (the migrations seed it), so it is the base the start layers
 * pin keys over for this run: were it above them, the file and the environment would never apply.
 * A key a start layer does not name keeps its saved value (a Pause survives a restart).
 * A dashboard action (Pause, Resume, a settings change) is checked, saved to the database and
 * applied at once. A run-only layer on top (the demo market's short cooldown, no flat-by time) is
 * never saved.
 */
import { type BotSettings, DEFAULT_SETTINGS } from '../domain/settings.ts';
import { parseSettings, parseSettingsPatch, SettingsError } from './schema.ts';

export interface SettingsLayer {
  /** Where the values come from, for messages: "--config settings", "VALUEAREA_SETTINGS". */
  readonly origin: string;
  readonly values: unknown;
}

export interface SettingsStore {
  /** The row the dashboard saved; null when none was (then the database layer is empty). */
  savedSettings(): Promise<BotSettings | null>;
  saveSettings(settings: BotSettings): Promise<void>;
}

export interface SettingsSource {
  /** The settings in force now. */
  current(): BotSettings;
  /** Check, save and apply a change; throws SettingsError (nothing applied) when it is refused. */
  update(patch: unknown, origin: string): Promise<BotSettings>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  paused(): boolean;
  /** Saved (dashboard-changed) values a start layer replaces for this run (said once at start). */
  readonly shadowed: readonly { key: keyof BotSettings; origin: string }[];
}

export interface SettingsSourceOptions {
  readonly store: SettingsStore;
  /** File and environment layers, lowest first. */
  readonly layers: readonly SettingsLayer[];
  /** Applied on top for this run only, never saved (the demo market). */
  readonly runOnly?: (settings: BotSettings) => BotSettings;
}

export async function createSettingsSource(options: SettingsSourceOptions): Promise<SettingsSource> {
  const { store } = options;
  const saved = await store.savedSettings();
  let base: BotSettings = saved ? parseSettings(saved, 'saved settings (bot_settings)') : DEFAULT_SETTINGS;
  const shadowed: { key: keyof BotSettings; origin: string }[] = [];
  for (const layer of options.layers) {
    if (layer.values === undefined) continue;
    const patch = parseSettingsPatch(layer.values, layer.origin);
    for (const key of Object.keys(patch) as (keyof BotSettings)[]) {
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      // A value changed on the dashboard earlier (not the default) that this start layer replaces.
      if (saved && !same(saved[key], DEFAULT_SETTINGS[key]) && !same(saved[key], patch[key]))
        shadowed.push({ key, origin: layer.origin });
    }
    base = { ...base, ...patch };
  }
  const runOnly = options.runOnly ?? ((s: BotSettings) => s);
  let current = runOnly(base);
  // Dashboard actions in the order they were made, one at a time: a save never races another.
  let lane: Promise<unknown> = Promise.resolve();
  const apply = (patch: Partial<BotSettings>): Promise<BotSettings> => {
    const next = lane.then(async () => {
      const candidate = { ...base, ...patch };
      await store.saveSettings(candidate);
      base = candidate;
      current = runOnly(base);
      return current;
    });
    lane = next.catch(() => {});
    return next;
  };
  return {
    current: () => current,
    update: (raw, origin) => {
      let patch: Partial<BotSettings>;
      try {
        patch = parseSettingsPatch(raw, origin);
      } catch (error) {
        return Promise.reject(error);
      }
      return apply(patch);
    },
    pause: async () => {
      await apply({ isActive: false });
    },
    resume: async () => {
      await apply({ isActive: true });
    },
    paused: () => !current.isActive,
    shadowed,
  };
}

export { SettingsError };
