/**
 * The dependency rule, checked: machines/ and src/domain/ stay pure. machines may import `xstate`
 * and relative paths inside machines/ or src/domain/; src/domain imports only inside src/domain.
 * Neither may read wall time or randomness, set timers, fetch or touch `process`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Layer {
  readonly folder: string;
  readonly packages: readonly string[];
  readonly folders: readonly string[];
}

const LAYERS: readonly Layer[] = [
  { folder: 'machines', packages: ['xstate'], folders: ['machines', 'src/domain'] },
  { folder: 'src/domain', packages: [], folders: ['src/domain'] },
];

const FORBIDDEN: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /\bDate\.now\b/, what: 'Date.now (time arrives in events)' },
  { pattern: /\bnew\s+Date\s*\(\s*\)/, what: 'new Date() without an argument (wall time)' },
  { pattern: /\bMath\.random\b/, what: 'Math.random (ids derive from inputs)' },
  { pattern: /\bsetTimeout\b/, what: 'setTimeout (deadlines live in context)' },
  { pattern: /\bsetInterval\b/, what: 'setInterval (deadlines live in context)' },
  { pattern: /\bperformance\.now\b/, what: 'performance.now (wall time)' },
  { pattern: /\bfetch\s*\(/, what: 'fetch( (I/O belongs in adapters)' },
  { pattern: /\bprocess\./, what: 'process. (environment belongs in the runtime)' },
];

const IMPORT_PATTERNS: readonly RegExp[] = [
  /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

interface Violation {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Blank out comments (keeping newlines and string contents) so that prose about Date.now is no violation. */
function stripComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    const next = source[i + 1];
    if (char === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (char === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      for (; i < stop; i++) out += source[i] === '\n' ? '\n' : ' ';
    } else if (char === "'" || char === '"' || char === '`') {
      out += char;
      i++;
      while (i < source.length && source[i] !== char) {
        if (source[i] === '\\') {
          out += source[i]!;
          i++;
        }
        if (i < source.length) out += source[i]!;
        i++;
      }
      if (i < source.length) out += source[i]!;
      i++;
    } else {
      out += char;
      i++;
    }
  }
  return out;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Check one file's source against its layer's rules. `file` is relative to the repository root. */
function checkSource(file: string, source: string, layer: Layer): Violation[] {
  const code = stripComments(source);
  const violations: Violation[] = [];
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const specifier = match[1]!;
      const line = lineAt(code, match.index);
      if (specifier.startsWith('.')) {
        const target = relative(ROOT, resolve(ROOT, dirname(file), specifier))
          .split(sep)
          .join('/');
        const inside = layer.folders.some((folder) => target === folder || target.startsWith(`${folder}/`));
        if (!inside) {
          violations.push({
            file,
            line,
            message: `imports "${specifier}" (${target}), outside ${layer.folders.join(' and ')}`,
          });
        }
      } else if (!layer.packages.includes(specifier)) {
        const allowed =
          layer.packages.length > 0
            ? `only ${layer.packages.join(', ')} and relative paths`
            : 'only relative paths';
        violations.push({
          file,
          line,
          message: `imports "${specifier}"; ${layer.folder} may import ${allowed}`,
        });
      }
    }
  }
  const lines = code.split('\n');
  for (let i = 0; i < lines.length; i++) {
    for (const { pattern, what } of FORBIDDEN) {
      if (pattern.test(lines[i]!)) violations.push({ file, line: i + 1, message: `uses ${what}` });
    }
  }
  return violations.sort((a, b) => a.line - b.line);
}

function sourceFiles(folder: string): string[] {
  const absolute = join(ROOT, folder);
  let entries: string[];
  try {
    entries = readdirSync(absolute);
  } catch {
    return []; // The folder may not exist yet.
  }
  const files: string[] = [];
  for (const entry of entries.sort()) {
    const path = `${folder}/${entry}`;
    if (statSync(join(ROOT, path)).isDirectory()) files.push(...sourceFiles(path));
    else if (
      /\.(?:ts|mts|tsx|js|mjs)$/.test(entry) &&
      !/\.test\.[a-z]+$/.test(entry) &&
      !entry.endsWith('.d.ts')
    ) {
      files.push(path);
    }
  }
  return files;
}

describe('architecture: pure layers', () => {
  for (const layer of LAYERS) {
    it(`${layer.folder}/ imports only what it may and never reads time, randomness, timers, network or process`, () => {
      const violations = sourceFiles(layer.folder).flatMap((file) =>
        checkSource(file, readFileSync(join(ROOT, file), 'utf8'), layer),
      );
      const report = violations.map((v) => `${v.file}:${v.line}: ${v.message}`).join('\n');
      expect(report, `dependency rule broken:\n${report}`).toBe('');
    });
  }

  it('src/domain has files to check (the scan is looking in the right place)', () => {
    expect(sourceFiles('src/domain')).toContain('src/domain/types.ts');
  });
});

describe('the checker itself', () => {
  const domain = LAYERS[1]!;
  const machines = LAYERS[0]!;

  it('reports each forbidden call with its file and line', () => {
    const source = [
      "import { x } from './ticks.ts';",
      'const a = Date.now();',
      'const b = new Date();',
      'const c = new Date(0); // with an argument: allowed',
      'const d = Math.random();',
      'setTimeout(() => {}, 1);',
      'const id = setInterval(f, 5);',
      'performance.now();',
      "await fetch('http://x');",
      'const env = process.env.X;',
      'prefetch(1); const processed = 1;',
    ].join('\n');
    const found = checkSource('src/domain/bad.ts', source, domain).map(
      (v) => `${v.line}: ${v.message.split(' ')[1]}`,
    );
    expect(found).toEqual([
      '2: Date.now',
      '3: new',
      '5: Math.random',
      '6: setTimeout',
      '7: setInterval',
      '8: performance.now',
      '9: fetch(',
      '10: process.',
    ]);
  });

  it('rejects packages and paths outside the layer, including type-only, side-effect and dynamic imports', () => {
    const source = [
      "import type { Observable } from 'rxjs';",
      "import 'node:fs';",
      "const m = await import('../ports/index.ts');",
      "export * from '../../machines/position/machine.ts';",
      "import { setup } from 'xstate';",
      "import { toTicks } from './ticks.ts';",
    ].join('\n');
    const found = checkSource('src/domain/bad.ts', source, domain).map((v) => v.line);
    expect(found).toEqual([1, 2, 3, 4, 5]);
  });

  it('lets machines import xstate, each other and the domain, but not the runtime or ports', () => {
    const source = [
      "import { setup, assign } from 'xstate';",
      "import type { EntryPlan } from '../../src/domain/types.ts';",
      "import { ladder } from './ladder.ts';",
      "import { x } from '../../src/runtime/engine.ts';",
      "import { y } from 'xstate/graph';",
    ].join('\n');
    const found = checkSource('machines/position/machine.ts', source, machines);
    expect(found.map((v) => v.line)).toEqual([4, 5]);
    expect(found[0]!.message).toContain('src/runtime/engine.ts');
  });

  it('ignores comments that mention forbidden calls but not strings', () => {
    const source =
      '/** never Date.now or\n * Math.random here */\n// no setTimeout either\nconst x = "Date.now is text";\n';
    // Comments never count; string literals stay code, so line 4 is (conservatively) reported.
    const found = checkSource('src/domain/ok.ts', source, domain).map((v) => v.line);
    expect(found).toEqual([4]);
  });
});
