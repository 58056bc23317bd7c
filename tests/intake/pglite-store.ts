/**
 * Opens the project's PGlite Store adapter (in memory) when it exists, so the intake tests can run
 * against the real unique constraint. Returns undefined while src/adapters/store is not written yet.
 */
import { existsSync } from 'node:fs';
import type { Store } from '../../src/ports/store.ts';

type Factory = (options?: Record<string, unknown>) => Promise<Store> | Store;

export async function openPgliteStore(): Promise<Store | undefined> {
  const candidates = ['../../src/adapters/store/pglite.ts', '../../src/adapters/store/index.ts'];
  for (const rel of candidates) {
    const url = new URL(rel, import.meta.url);
    if (!existsSync(url)) continue;
    const mod = (await import(url.href)) as Record<string, unknown>;
    const factory = (mod['openPgliteStore'] ?? mod['createPgliteStore'] ?? mod['openStore']) as
      | Factory
      | undefined;
    if (typeof factory !== 'function') continue;
    const store = await factory({});
    await store.migrate();
    return store;
  }
  return undefined;
}
