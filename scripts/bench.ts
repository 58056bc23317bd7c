/**
 * `npm run bench [-- <suite> ...]`: runs the benchmark suites in scripts/bench/*.bench.ts and prints
 * each figure beside its same-run baseline.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchSuite, formatFigure } from './bench/harness.ts';

const dir = fileURLToPath(new URL('./bench/', import.meta.url));
const suites = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const suiteNames = suites.map((f) => f.slice(0, -'.bench.ts'.length));
const args = process.argv.slice(2);

if (args.some((a) => a === '--help' || a === '-h')) {
  console.log(`Usage: npm run bench [-- <suite> ...]
Runs the benchmark suites in scripts/bench/ (all of them without a name; a name matches a suite
by its start) and prints each figure beside its same-run baseline.
  <suite>       one of ${suiteNames.join(', ')}
  -h, --help    this text`);
  process.exit(0);
}
const options = args.filter((a) => a.startsWith('-'));
if (options.length > 0) {
  console.error(`unknown option ${options.join(', ')}; run with --help for the usage`);
  process.exit(2);
}

const files = suites.filter((f) => args.length === 0 || args.some((w) => f.startsWith(w)));
if (files.length === 0) {
  console.error(`No benchmark suite matches ${args.join(', ')}. Suites: ${suiteNames.join(', ')}`);
  process.exit(2);
}

for (const file of files) {
  const mod = (await import(pathToFileURL(dir + file).href)) as { suite: BenchSuite };
  console.log(`\n${mod.suite.name}`);
  const figures = await mod.suite.run();
  for (const f of figures) console.log(formatFigure(f));
}
