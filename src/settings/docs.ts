/** The settings table of docs/settings.md, from the declarations (a test keeps the file in step). */
import { SETTING_DECLARATIONS, SETTING_KEYS } from '../domain/settings.ts';
import { settingFlag } from './flags.ts';
import { expected } from './schema.ts';

export function settingsTable(): string {
  const rows = SETTING_KEYS.map((key) => {
    const d = SETTING_DECLARATIONS[key];
    const cell = (text: string) => text.replace(/\|/g, '\\|');
    return `| \`${key}\` | \`--${settingFlag(key)}\` | \`${cell(JSON.stringify(d.default))}\` | ${d.unit || '—'} | ${cell(expected(d))} | ${cell(d.help)} |`;
  });
  return [
    '| key | flag | default | unit | accepts | what it does |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export const TABLE_START =
  '<!-- settings-table:start (generated from src/domain/settings.ts: npm run docs:settings) -->';
export const TABLE_END = '<!-- settings-table:end -->';

/** The document with its table replaced by the current one. */
export function withSettingsTable(document: string): string {
  const start = document.indexOf(TABLE_START);
  const end = document.indexOf(TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`docs/settings.md: the markers ${TABLE_START} … ${TABLE_END} are missing`);
  return `${document.slice(0, start + TABLE_START.length)}\n${settingsTable()}\n${document.slice(end)}`;
}
