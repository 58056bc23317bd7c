/** Serving the built app: files inside dist only, a clear page when it is not built, refusal to expose without a token. */
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStale, registerDashboard } from '../../../src/adapters/dashboard/index.ts';
import { createHttpServer } from '../../../src/adapters/webhook/server.ts';
import { DEFAULT_SETTINGS } from '../../../src/domain/settings.ts';
import type { DashboardQueries } from '../../../src/ports/dashboard-queries.ts';

const noQueries = {} as DashboardQueries;
const settings = async () => DEFAULT_SETTINGS;

function builtDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'valuearea-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>valuearea</title><script src="/assets/app.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  return dir;
}

describe('dashboard app serving', () => {
  it('serves index.html at / and assets with their content types and a strict CSP', async () => {
    const app = createHttpServer({ logger: false });
    registerDashboard(app, { queries: noQueries, settings, exposed: false, distDir: builtDist() });
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    const asset = await app.inject({ method: 'GET', url: '/assets/app.js' });
    expect(asset.headers['content-type']).toContain('text/javascript');
    await app.close();
  });

  it('never serves a file outside dist', async () => {
    const app = createHttpServer({ logger: false });
    registerDashboard(app, { queries: noQueries, settings, exposed: false, distDir: builtDist() });
    for (const url of [
      '/assets/../../package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/etc/passwd',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
    }
    await app.close();
  });

  it('says how to build the app when dist is missing and building is off', async () => {
    const app = createHttpServer({ logger: false });
    registerDashboard(app, {
      queries: noQueries,
      settings,
      exposed: false,
      distDir: '/nonexistent/dist',
      buildIfMissing: false,
    });
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('vite build dashboard');
    const api = await app.inject({ method: 'GET', url: '/api/status' });
    expect(api.json()).toMatchObject({ app: 'failed', controlsEnabled: false });
    await app.close();
  });

  it('knows when a build is older than the app sources', () => {
    const dist = builtDist();
    const index = join(dist, 'index.html');
    utimesSync(index, new Date(0), new Date(0));
    expect(isStale(dist)).toBe(true);
    const future = new Date(Date.now() + 86_400_000);
    utimesSync(index, future, future);
    expect(isStale(dist)).toBe(false);
    expect(isStale('/nonexistent/dist')).toBe(true);
  });

  it('refuses to expose the dashboard without a token', () => {
    const app = createHttpServer({ logger: false });
    expect(() =>
      registerDashboard(app, { queries: noQueries, settings, exposed: true, distDir: builtDist() }),
    ).toThrow(/DASHBOARD_TOKEN/);
  });
});
