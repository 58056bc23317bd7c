/**
 * `npm run bench [-- <suite> ...]`: runs the benchmark suites in scripts/bench/*.bench.ts and prints
 * each figure beside its same-run baseline.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchSuite, formatFigure } from './bench/harness.ts';

const dir = fileURLToPath(new URL('./bench/', import.meta.url));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

if (files.length === 0) {
  console.error(
    `No benchmark suite matches ${wanted.join(', ')}. Suites: ${readdirSync(dir)
      .filter((f) => f.endsWith('.bench.ts'))
      .join(', ')}`,
  );
  process.exit(2);
}

for (const file of files) {
  const mod = (await import(pathToFileURL(dir + file).href)) as { suite: BenchSuite };
  console.log(`\n${mod.suite.name}`);
  const figures = await mod.suite.run();
  for (const f of figures) console.log(formatFigure(f));
}
