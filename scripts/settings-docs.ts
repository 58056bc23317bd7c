/** `npm run docs:settings`: rewrite the settings table in docs/settings.md from the declarations. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withSettingsTable } from '../src/settings/docs.ts';

const args = process.argv.slice(2);
if (args.some((a) => a === '--help' || a === '-h')) {
  console.log(`Usage: npm run docs:settings
Rewrites the settings table in docs/settings.md (between its settings-table markers) from the
declarations in src/domain/settings.ts. Takes no options.
  -h, --help    this text`);
  process.exit(0);
}
if (args.length > 0) {
  console.error(`unexpected argument ${args.join(' ')}: docs:settings takes no options; run with --help`);
  process.exit(2);
}

const file = fileURLToPath(new URL('../docs/settings.md', import.meta.url));
writeFileSync(file, withSettingsTable(readFileSync(file, 'utf8')));
console.log('docs/settings.md: settings table written');
