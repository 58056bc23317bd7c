/**
 * The whole layout, checked on the import graph of src, machines, sim, scripts, supabase and tests
 * (tests/architecture.test.ts checks the pure layers: machines/ and src/domain/).
 *
 * - No import cycles (value imports; `import type` is erased and cannot cycle at run time).
 * - An adapter (src/adapters/<name>/) imports only the ports, the domain, the intake core (pure, shared
 *   with the Edge Function) and its own folder: never machines, the runtime, the app or another adapter.
 * - A port (src/ports/) imports ports and the domain; the types it describes may name machine and
 *   runtime types (`import type` only), and packages only as types.
 * - No dead files: every file is reached from an entry (a command in scripts/, an Edge Function's
 *   index.ts, a test or a benchmark) by an import or by a path it names (`new URL('./x.ts', …)`).
 * - Scripts only compose: nothing outside scripts/ and tests/ imports them, and a command
 *   (scripts/*.ts) declares no class and no function over 150 lines.
 * - Comments cite documents by their path in the repository or ../shared, never by an absolute
 *   machine path.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FOLDERS = ['src', 'machines', 'sim', 'scripts', 'supabase', 'tests'];

interface Edge {
  readonly specifier: string;
  /** Repository-relative path for a relative specifier; undefined for a package. */
  readonly target?: string;
  readonly typeOnly: boolean;
}

type Sources = ReadonlyMap<string, string>;

function walk(folder: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(join(ROOT, folder));
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries.sort()) {
    if (entry === 'node_modules' || entry === 'fixtures') continue;
    const path = `${folder}/${entry}`;
    if (statSync(join(ROOT, path)).isDirectory()) files.push(...walk(path));
    else if (/\.m?ts$/.test(entry) && !entry.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

function repositorySources(): Map<string, string> {
  return new Map(FOLDERS.flatMap(walk).map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));
}

/** Comments blanked out, newlines kept (strings stay: specifiers live in them). */
function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** Only the comments, for the absolute-path rule. */
function commentsOf(source: string): string {
  const block = source.match(/\/\*[\s\S]*?\*\//g) ?? [];
  const line = source.match(/(?:^|[^:'"`\\])\/\/.*$/gm) ?? [];
  return [...block, ...line].join('\n');
}

const IMPORT =
  /\b(?:import|export)\s+(type\s+)?([^'"`;]*?)\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
const NAMED_PATH = /['"`](\.{1,2}\/[^'"`\s]+\.m?ts)['"`]/g;

const toRepo = (from: string, specifier: string): string =>
  relative(ROOT, resolve(ROOT, dirname(from), specifier))
    .split(sep)
    .join('/');

function importsOf(file: string, source: string): Edge[] {
  const edges: Edge[] = [];
  for (const m of withoutComments(source).matchAll(IMPORT)) {
    const specifier = (m[3] ?? m[4] ?? m[5])!;
    const clause = m[2]?.trim() ?? '';
    const names = /^\{([^}]*)\}$/
      .exec(clause)?.[1]
      ?.split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    const typeOnly =
      Boolean(m[1]) || (names !== undefined && names.length > 0 && names.every((n) => n.startsWith('type ')));
    edges.push(
      specifier.startsWith('.')
        ? { specifier, target: toRepo(file, specifier), typeOnly }
        : { specifier, typeOnly },
    );
  }
  return edges;
}

function graphOf(sources: Sources): Map<string, Edge[]> {
  return new Map([...sources].map(([file, source]) => [file, importsOf(file, source)]));
}

/** Every cycle of value imports, each as "a → b → a". */
function cyclesOf(graph: ReadonlyMap<string, readonly Edge[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, stack: string[]): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const edge of graph.get(file) ?? []) {
      if (edge.typeOnly || !edge.target || !graph.has(edge.target)) continue;
      if (state.get(edge.target) === 'open')
        cycles.push([...stack.slice(stack.indexOf(edge.target)), edge.target].join(' → '));
      else if (!state.has(edge.target)) visit(edge.target, stack);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file, []);
  return cycles;
}

const isEntry = (file: string): boolean =>
  /^scripts\/[^/]+\.ts$/.test(file) ||
  /^supabase\/functions\/[^/]+\/index\.ts$/.test(file) ||
  /\.(test|bench)\.ts$/.test(file);

/** Files no entry reaches by an import or a named path. */
function deadFiles(sources: Sources): string[] {
  const graph = graphOf(sources);
  const reached = new Set<string>();
  const todo = [...sources.keys()].filter(isEntry);
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (reached.has(file)) continue;
    reached.add(file);
    for (const edge of graph.get(file) ?? [])
      if (edge.target && sources.has(edge.target)) todo.push(edge.target);
    for (const m of withoutComments(sources.get(file)!).matchAll(NAMED_PATH)) {
      const named = toRepo(file, m[1]!);
      if (sources.has(named)) todo.push(named);
    }
  }
  return [...sources.keys()].filter((f) => !reached.has(f)).sort();
}

const inside = (path: string, folder: string): boolean => path.startsWith(`${folder}/`);

/** Import-rule breaks for adapters and ports, as "file → target: why". */
function layerViolations(graph: ReadonlyMap<string, readonly Edge[]>): string[] {
  const out: string[] = [];
  for (const [file, edges] of graph) {
    if (inside(file, 'src/adapters')) {
      const own = file.split('/').slice(0, 3).join('/');
      for (const e of edges) {
        if (!e.target) continue;
        const ok = ['src/ports', 'src/domain', 'src/intake', own].some((folder) => inside(e.target!, folder));
        if (!ok)
          out.push(`${file} → ${e.target}: an adapter imports only ports, domain, intake and its own folder`);
      }
    }
    if (inside(file, 'src/ports')) {
      for (const e of edges) {
        if (!e.target) {
          if (!e.typeOnly) out.push(`${file} → ${e.specifier}: a port imports packages as types only`);
          continue;
        }
        const core = inside(e.target, 'src/ports') || inside(e.target, 'src/domain');
        const described = e.typeOnly && (inside(e.target, 'machines') || inside(e.target, 'src/runtime'));
        if (!core && !described)
          out.push(
            `${file} → ${e.target}: a port imports ports and domain (machine and runtime types as types only)`,
          );
      }
    }
    if (!inside(file, 'scripts') && !inside(file, 'tests')) {
      for (const e of edges)
        if (e.target && inside(e.target, 'scripts'))
          out.push(`${file} → ${e.target}: nothing but tests imports scripts`);
    }
  }
  return out.sort();
}

/** Functions (declarations and arrow/function expressions) longer than `max` lines, by brace matching. */
function longFunctions(source: string, max: number): string[] {
  const code = withoutComments(source);
  const lines = code.split('\n');
  const out: string[] = [];
  const starts = /^\s*(?:export\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z0-9_$]*)|=>\s*\{\s*$/;
  for (let i = 0; i < lines.length; i++) {
    const m = starts.exec(lines[i]!);
    if (!m) continue;
    let depth = 0;
    let opened = false;
    for (let j = i; j < lines.length; j++) {
      for (const ch of lines[j]!) {
        if (ch === '{') {
          depth++;
          opened = true;
        } else if (ch === '}') depth--;
      }
      if (opened && depth <= 0) {
        if (j - i + 1 > max) out.push(`${m[1] || '(arrow)'} at line ${i + 1}: ${j - i + 1} lines`);
        break;
      }
    }
  }
  return out;
}

function scriptViolations(sources: Sources): string[] {
  const out: string[] = [];
  for (const [file, source] of sources) {
    if (!/^scripts\/[^/]+\.ts$/.test(file)) continue;
    if (/^\s*(?:export\s+)?(?:abstract\s+)?class\s/m.test(withoutComments(source)))
      out.push(`${file}: declares a class (a command only composes; put the class in src/ or sim/)`);
    for (const long of longFunctions(source, 150)) out.push(`${file}: ${long} (a command only composes)`);
  }
  return out.sort();
}

const ABSOLUTE = /(?:^|[\s(`'"])(\/(?:work|home|Users|root|mnt)\/[^\s)`'"]*|[A-Z]:\\Users\\\S*)/;

function absolutePathsInComments(sources: Sources): string[] {
  const out: string[] = [];
  for (const [file, source] of sources) {
    const hit = ABSOLUTE.exec(commentsOf(source));
    if (hit) out.push(`${file}: cites ${hit[1]} (cite a path in the repository or ../shared)`);
  }
  return out.sort();
}

describe('architecture: the whole layout', () => {
  const sources = repositorySources();
  const graph = graphOf(sources);

  it('scans the repository (the rules look in the right places)', () => {
    expect(sources.size).toBeGreaterThan(300);
    for (const file of ['src/app/bot.ts', 'src/ports/venue.ts', 'src/intake/index.ts', 'scripts/bot.ts'])
      expect(sources.has(file), file).toBe(true);
  });

  it('has no import cycles', () => {
    expect(cyclesOf(graph)).toEqual([]);
  });

  it('adapters depend on ports, domain and intake only; ports on ports and domain; nothing imports scripts', () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it('has no dead files', () => {
    expect(deadFiles(sources)).toEqual([]);
  });

  it('scripts only compose', () => {
    expect(scriptViolations(sources)).toEqual([]);
  });

  it('comments never cite an absolute machine path', () => {
    const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
      f.endsWith('.md'),
    );
    const texts = new Map([
      ...sources,
      ...docs.map((f) => [f, `/*${readFileSync(join(ROOT, f), 'utf8')}*/`] as const),
    ]);
    expect(absolutePathsInComments(texts)).toEqual([]);
  });
});

describe('the layout checker itself', () => {
  const src = (entries: Record<string, string>): Sources => new Map(Object.entries(entries));

  it('finds a value cycle but not one through `import type`', () => {
    const cyclic = graphOf(
      src({ 'src/a.ts': "import { b } from './b.ts';", 'src/b.ts': "import { a } from './a.ts';" }),
    );
    expect(cyclesOf(cyclic)).toEqual(['src/a.ts → src/b.ts → src/a.ts']);
    const typed = graphOf(
      src({
        'src/a.ts': "import { b } from './b.ts';",
        'src/b.ts': "import { type A, type B } from './a.ts';",
      }),
    );
    expect(cyclesOf(typed)).toEqual([]);
  });

  it('flags an adapter importing a machine or another adapter, and a port importing a runtime value', () => {
    const graph = graphOf(
      src({
        'src/adapters/x/a.ts':
          "import type { P } from '../../ports/store.ts';\nimport { m } from '../../../machines/position/machine.ts';\nimport { y } from '../y/b.ts';\nimport { own } from './own.ts';",
        'src/ports/p.ts':
          "import type { R } from '../runtime/engine-runtime.ts';\nimport { r } from '../runtime/engine-runtime.ts';\nimport { Subject } from 'rxjs';",
        'sim/s.ts': "import { run } from '../scripts/backtest.ts';",
      }),
    );
    expect(layerViolations(graph).map((v) => v.split(':')[0])).toEqual([
      'sim/s.ts → scripts/backtest.ts',
      'src/adapters/x/a.ts → machines/position/machine.ts',
      'src/adapters/x/a.ts → src/adapters/y/b.ts',
      'src/ports/p.ts → rxjs',
      'src/ports/p.ts → src/runtime/engine-runtime.ts',
    ]);
  });

  it('counts a file reached by import or by a named path, and reports the rest', () => {
    const sources = src({
      'scripts/run.ts': "import { a } from '../src/a.ts';",
      'src/a.ts': "export const a = 1; const w = new URL('./worker.ts', import.meta.url);",
      'src/worker.ts': '',
      'src/orphan.ts': "import { a } from './a.ts';",
      'tests/x.test.ts': '// mentions ./orphan.ts only in a comment',
    });
    expect(deadFiles(sources)).toEqual(['src/orphan.ts']);
  });

  it('flags a class and a long function in a command script, not in a campaign under scripts/', () => {
    const long = `function main() {\n${'  step();\n'.repeat(151)}}\n`;
    const sources = src({
      'scripts/cmd.ts': `class X {}\n${long}`,
      'scripts/reliability/c.ts': `class Y {}\n${long}`,
    });
    expect(scriptViolations(sources)).toEqual([
      'scripts/cmd.ts: declares a class (a command only composes; put the class in src/ or sim/)',
      'scripts/cmd.ts: main at line 2: 153 lines (a command only composes)',
    ]);
  });

  it('flags an absolute path in a comment, not a relative one or one in code', () => {
    // Built, so that this file's own source holds no absolute path.
    const absolute = ['', 'work', 'shared', 'reference', 'vpvr.md'].join('/');
    const sources = src({
      'src/a.ts': `/** as ${absolute} says */`,
      'src/b.ts': '/** as ../shared/reference/vpvr.md says */',
      'src/c.ts': "const home = '/home/trader';",
    });
    expect(absolutePathsInComments(sources)).toEqual([
      `src/a.ts: cites ${absolute} (cite a path in the repository or ../shared)`,
    ]);
  });
});
