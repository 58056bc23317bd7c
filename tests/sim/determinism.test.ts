/**
 * The simulator reads no wall time and no randomness: same inputs, same run. (Formatting a given
 * epoch with `new Date(ts)` is fine; `new Date()` is wall time.) sim/gateway is another part, and so
 * is sim/lab/queue.ts: the job queue polls a database on wall time, while the cells it runs do not
 * (their results equal the in-process ones: tests/sim/lab-queue.test.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SIM = fileURLToPath(new URL('../../sim/', import.meta.url));
const FORBIDDEN: readonly [RegExp, string][] = [
  [/\bDate\.now\b/, 'Date.now'],
  [/\bnew\s+Date\s*\(\s*\)/, 'new Date()'],
  [/\bMath\.random\b/, 'Math.random'],
  [/\bperformance\.now\b/, 'performance.now'],
  [/\bprocess\.hrtime\b/, 'process.hrtime'],
  [/(?<![.\w])(?:globalThis\.)?setTimeout\s*\(\s*(?!fn\b)/, 'the global setTimeout'],
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'gateway' ? [] : files(path);
    if (path.endsWith(join('lab', 'queue.ts'))) return [];
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('simulator determinism', () => {
  it('no simulator file reads wall time or randomness', () => {
    const violations: string[] = [];
    for (const file of files(SIM)) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((text, i) => {
        const code = text.replace(/\/\/.*$/, '');
        if (/^\s*\*|^\s*\/\*/.test(code)) return;
        for (const [pattern, what] of FORBIDDEN)
          if (pattern.test(code)) violations.push(`${file}:${i + 1}: ${what}`);
      });
    }
    expect(violations).toEqual([]);
  });

  it('the check can fail', () => {
    expect(FORBIDDEN.some(([pattern]) => pattern.test('const t = Date.now();'))).toBe(true);
    expect(FORBIDDEN.some(([pattern]) => pattern.test('setTimeout(() => 1, 5)'))).toBe(true);
    expect(FORBIDDEN.some(([pattern]) => pattern.test('this.clock.setTimeout(fn, delay)'))).toBe(false);
  });
});
