import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as domain from '../../src/domain/index.ts';

const folder = fileURLToPath(new URL('../../src/domain/', import.meta.url));

describe('the domain barrel', () => {
  it('re-exports every module in src/domain', () => {
    const barrel = readFileSync(`${folder}index.ts`, 'utf8');
    const modules = readdirSync(folder).filter(
      (f) => f.endsWith('.ts') && f !== 'index.ts' && !f.endsWith('.test.ts'),
    );
    const missing = modules.filter((m) => !barrel.includes(`export * from './${m}';`));
    expect(missing, `add to src/domain/index.ts: ${missing.join(', ')}`).toEqual([]);
  });

  it('exposes the entry points other layers call', () => {
    for (const name of [
      'resolveTicker',
      'computeProfile',
      'entryLevels',
      'sizePosition',
      'buildEntryPlan',
      'computeMetrics',
      'pnlDollars',
      'toTicks',
    ]) {
      expect(typeof (domain as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
