/**
 * The intake core must run unchanged in Node and in a Supabase Edge Function (Deno): its whole
 * import graph is relative `.ts` files using only Web APIs, no npm packages, no node: modules, no
 * Node or Deno globals.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ENTRIES = ['index.ts', 'record.ts'].map((f) =>
  fileURLToPath(new URL(`../../src/intake/${f}`, import.meta.url)),
);
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm;
const FORBIDDEN_GLOBALS = /\b(Buffer|process|require|Deno|__dirname|setImmediate)\b/;

function importGraph(entries: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const todo = [...entries];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (graph.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(IMPORT)].map((m) => m[1]!);
    graph.set(file, specifiers);
    for (const s of specifiers) if (s.startsWith('.')) todo.push(resolve(dirname(file), s));
  }
  return graph;
}

describe('intake core portability', () => {
  const graph = importGraph(ENTRIES);

  it('imports only relative .ts files', () => {
    expect(graph.size).toBeGreaterThan(3);
    for (const [file, specifiers] of graph) {
      for (const s of specifiers) {
        expect({ file, s, ok: /^\.\.?\//.test(s) && s.endsWith('.ts') }).toEqual({ file, s, ok: true });
      }
    }
  });

  it('uses no Node or Deno globals', () => {
    for (const file of graph.keys()) {
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      const hit = FORBIDDEN_GLOBALS.exec(code);
      expect({ file, global: hit?.[1] }).toEqual({ file, global: undefined });
    }
  });
});
