// The dashboard app: vanilla TypeScript + lightweight-charts, built into dashboard/dist and served
// by the bot (src/adapters/dashboard). Build: `npx vite build dashboard`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1000,
  },
  server: {
    // `npx vite dashboard` during development: the API comes from a running bot.
    proxy: { '/api': process.env.VALUEAREA_URL ?? 'http://127.0.0.1:8787' },
  },
});
