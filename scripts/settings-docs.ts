/** `npm run docs:settings`: rewrite the settings table in docs/settings.md from the declarations. */
import { readFileSync, writeFileSync } from 'node:fs';
import { withSettingsTable } from '../src/settings/docs.ts';

const file = 'docs/settings.md';
writeFileSync(file, withSettingsTable(readFileSync(file, 'utf8')));
console.log(`${file}: settings table written`);
