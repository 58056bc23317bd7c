/**
 * What the Edge Function pulls in, checked without Deno: its import graph is relative `.ts` files
 * plus version-pinned `npm:` packages, it stays inside the modules that run unchanged on Deno
 * (the intake core, the domain, the port types, the store's row mapping), and every `npm:` package
 * is a dependency of this repository, so Deno resolves it from node_modules in tests and CI.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = resolve(ROOT, 'supabase/functions/tradingview-webhook/index.ts');
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm;
const ALLOWED_LOCAL = [
  /^supabase\/functions\/tradingview-webhook\/[a-z-]+\.ts$/,
  /^src\/intake\/(dialects\/)?[a-z-]+\.ts$/,
  /^src\/domain\/[a-z-]+\.ts$/,
  /^src\/ports\/[a-z-]+\.ts$/,
  /^src\/adapters\/store\/(rows|errors)\.ts$/,
];
const NODE_ONLY = /\b(Buffer|process\.|require\(|__dirname|setImmediate)\b/;

function graph(): { files: Map<string, string[]>; npm: Set<string> } {
  const files = new Map<string, string[]>();
  const npm = new Set<string>();
  const todo = [ENTRY];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    const specifiers = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1]!);
    files.set(file, specifiers);
    for (const s of specifiers) {
      if (s.startsWith('.')) todo.push(resolve(dirname(file), s));
      else if (s.startsWith('npm:')) npm.add(s);
    }
  }
  return { files, npm };
}

describe('the Edge Function import graph', () => {
  const { files, npm } = graph();

  it('imports only relative .ts files and version-pinned npm: packages', () => {
    for (const [file, specifiers] of files) {
      for (const s of specifiers) {
        const ok = (/^\.\.?\//.test(s) && s.endsWith('.ts')) || /^npm:(@[a-z0-9-]+\/)?[a-z0-9.-]+@\d/.test(s);
        expect({ file: relative(ROOT, file), s, ok }).toEqual({ file: relative(ROOT, file), s, ok: true });
      }
    }
  });

  it('stays inside the modules that run unchanged on Deno', () => {
    expect(files.size).toBeGreaterThan(10);
    for (const file of files.keys()) {
      const path = relative(ROOT, file);
      expect({ path, allowed: ALLOWED_LOCAL.some((re) => re.test(path)) }).toEqual({ path, allowed: true });
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      expect({ path, nodeOnly: NODE_ONLY.exec(code)?.[0] }).toEqual({ path, nodeOnly: undefined });
    }
  });

  it('uses only npm packages this repository depends on, at a compatible major version', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect([...npm].sort()).toEqual(['npm:@supabase/supabase-js@2.109', 'npm:pg@8']);
    for (const specifier of npm) {
      const match = /^npm:((?:@[^/]+\/)?[^@]+)@(\d+)/.exec(specifier)!;
      const [, name, major] = match;
      const installed = JSON.parse(
        readFileSync(resolve(ROOT, 'node_modules', name!, 'package.json'), 'utf8'),
      ) as {
        version: string;
      };
      expect(pkg.dependencies[name!]).toBeDefined();
      expect(installed.version.split('.')[0]).toBe(major);
    }
  });
});
