/**
 * Opens the project's PGlite Store adapter in memory when it exists, so the intake tests run against
 * the real unique constraint. Returns undefined while src/adapters/store/pglite.ts is not there.
 */
import { existsSync } from 'node:fs';
import type { Store } from '../../../src/ports/store.ts';

type Factory = (options: { dataDir: string }) => Promise<Store>;

export async function openPgliteStore(): Promise<Store | undefined> {
  const url = new URL('../../../src/adapters/store/pglite.ts', import.meta.url);
  if (!existsSync(url)) return undefined;
  const mod = (await import(url.href)) as { createPgliteStore?: Factory };
  if (typeof mod.createPgliteStore !== 'function') return undefined;
  return mod.createPgliteStore({ dataDir: 'memory' });
}
