/**
 * Serving the built dashboard (dashboard/dist) and building it when it is missing. Only files
 * inside dist are served; anything else is a 404.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../dashboard');
export const DASHBOARD_DIST = join(DASHBOARD_ROOT, 'dist');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export function isBuilt(distDir: string = DASHBOARD_DIST): boolean {
  return existsSync(join(distDir, 'index.html'));
}

function newestSourceMs(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestSourceMs(join(path, entry)));
  return newest;
}

/** True when the app's sources changed after dist was built (e.g. after a git pull). */
export function isStale(distDir: string = DASHBOARD_DIST): boolean {
  if (!isBuilt(distDir)) return true;
  const builtAt = statSync(join(distDir, 'index.html')).mtimeMs;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts']
    .map((p) => join(DASHBOARD_ROOT, p))
    .filter(existsSync);
  return sources.some((p) => newestSourceMs(p) > builtAt);
}

/**
 * Build the app with Vite (a dev dependency): the same as `vite build dashboard`. Resolves when
 * dist/ is written; rejects with Vite's error.
 */
export async function buildDashboard(
  options: { readonly outDir?: string; readonly quiet?: boolean } = {},
): Promise<void> {
  const vite = await import('vite');
  await vite.build({
    root: DASHBOARD_ROOT,
    configFile: join(DASHBOARD_ROOT, 'vite.config.ts'),
    logLevel: options.quiet === false ? 'info' : 'warn',
    ...(options.outDir ? { build: { outDir: options.outDir, emptyOutDir: true } } : {}),
  });
}

/** A file under distDir for a URL path, or null (outside dist, missing). */
export async function readStatic(
  distDir: string,
  urlPath: string,
): Promise<{ body: Buffer; type: string } | null> {
  const clean = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  const relative = clean === '/' || clean === '' ? 'index.html' : clean.replace(/^\/+/, '');
  const path = normalize(join(distDir, relative));
  if (!path.startsWith(resolve(distDir) + sep)) return null;
  try {
    const body = await readFile(path);
    return { body, type: TYPES[extname(path)] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** The page shown while the app is being built, or when building failed. */
export function notBuiltPage(state: 'building' | 'failed', reason = ''): string {
  const body =
    state === 'building'
      ? '<h1>Building the dashboard…</h1><p>This happens once, on the first start. The page reloads by itself.</p>'
      : `<h1>The dashboard is not built</h1><p>Building it failed: <code>${escapeHtml(reason)}</code></p>` +
        '<p>Build it by hand with <code>npx vite build dashboard</code> (or <code>npm run build:dashboard</code>) and reload. The API under <code>/api</code> works meanwhile.</p>';
  const refresh = state === 'building' ? '<meta http-equiv="refresh" content="3">' : '';
  return `<!doctype html><html><head><meta charset="utf-8">${refresh}<title>valuearea dashboard</title>
<style>body{font:15px system-ui,sans-serif;background:#0f1419;color:#d7dde4;padding:3rem;max-width:48rem}code{background:#1c242d;padding:.1rem .3rem;border-radius:3px}</style>
</head><body>${body}</body></html>`;
}
