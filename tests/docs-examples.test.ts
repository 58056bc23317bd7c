/**
 * Every webhook payload shown in README.md and docs/*.md is posted to a real receiver (Fastify on
 * loopback, the same routes the bot registers) and must be accepted and stored as shown, after
 * TradingView's placeholder substitution. Every `npm …` / `npx …` command shown must name a script
 * in package.json and files that exist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, listenHttpServer, registerWebhookRoutes } from '../src/adapters/webhook/server.ts';
import { FakeInbox, FIRED_AT, RECEIVED_AT } from './intake/helpers.ts';

const ROOT = join(import.meta.dirname, '..');
const SECRET = 'docs-example-secret-7c4f';
const FIRED_ISO = new Date(FIRED_AT).toISOString().replace('.000Z', 'Z');
const DOC_FILES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** What TradingView renders each placeholder as, for a long entry of one ES contract. */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  ticker: 'ES1!',
  exchange: 'CME_MINI',
  interval: '1',
  timenow: FIRED_ISO,
  time: FIRED_ISO,
  open: '6335.00',
  high: '6336.25',
  low: '6334.50',
  close: '6335.25',
  volume: '120',
  'strategy.order.action': 'buy',
  'strategy.order.contracts': '1',
  'strategy.order.price': '6335.25',
  'strategy.order.id': 'Long',
  'strategy.market_position': 'long',
  'strategy.market_position_size': '1',
  'strategy.position_size': '1',
  'strategy.prev_market_position': 'flat',
  'strategy.prev_market_position_size': '0',
};

type Route = 'secret' | 'open' | 'pipe';

interface Example {
  readonly where: string;
  readonly body: string;
  readonly route: Route;
  /** URL path to post to; default: the route's path with the secret in the URL. */
  readonly path?: string;
}

/** Render placeholders and secret stand-ins the way a configured TradingView alert would. */
function render(template: string): string {
  return template
    .replace(/\{\{\s*([^}]+?)\s*\}\}/g, (whole, name: string) => {
      const value = PLACEHOLDERS[name];
      if (value === undefined)
        throw new Error(`no rendering for placeholder ${whole} — add it to PLACEHOLDERS`);
      return value;
    })
    .replaceAll('<secret>', SECRET)
    .replace(/"(passphrase|secret|token)"\s*:\s*"…"/g, `"$1":"${SECRET}"`)
    .replace(/\$\(date -u \+%Y-%m-%dT%H:%M:%SZ\)/g, FIRED_ISO)
    .replace(/\$\{?WEBHOOK_SECRET\}?/g, SECRET);
}

const looksLikeJsonAlert = (text: string) =>
  text.startsWith('{') && /"(symbol|ticker|instrument)"\s*:/i.test(text);
const looksLikeKeyValueAlert = (text: string) =>
  /(^|\s)action=/i.test(text) && /(^|\s)(symbol|ticker)=/i.test(text) && !/\s-[-a-zA-Z]/.test(text);

/** Payload examples of one markdown file: fenced bodies, inline bodies and curl -d bodies. */
function extractExamples(file: string, markdown: string): Example[] {
  const out: Example[] = [];
  const lines = markdown.split('\n');
  let fence: { lang: string; start: number; text: string[] } | undefined;
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    const open = /^```(\w*)\s*$/.exec(line);
    if (open && !fence) {
      fence = { lang: open[1] ?? '', start: lineNo, text: [] };
      return;
    }
    if (line.startsWith('```') && fence) {
      const block = fence.text.join('\n').trim();
      const where = `${file}:${fence.start}`;
      if (fence.lang === 'sh' || fence.lang === 'bash') out.push(...curlBodies(where, block));
      else if (['', 'json', 'text'].includes(fence.lang)) {
        if (looksLikeJsonAlert(block) || looksLikeKeyValueAlert(block))
          out.push({ where, body: block, route: 'secret' });
        else if (block.includes('|') && block.includes('<secret>'))
          out.push({ where, body: block, route: 'pipe' });
      }
      fence = undefined;
      return;
    }
    if (fence) {
      fence.text.push(line);
      return;
    }
    for (const m of line.matchAll(/`([^`]+)`/g)) {
      const code = (m[1] ?? '').trim();
      if (looksLikeJsonAlert(code) || looksLikeKeyValueAlert(code))
        out.push({ where: `${file}:${lineNo}`, body: code, route: 'secret' });
    }
  });
  return out;
}

function curlBodies(where: string, block: string): Example[] {
  const out: Example[] = [];
  const joined = block.replace(/\\\n\s*/g, ' ');
  for (const command of joined.split('\n')) {
    if (!/^\s*curl\s/.test(command)) continue;
    const data = /\s-d\s+"((?:[^"\\]|\\.)*)"|\s-d\s+'([^']*)'/.exec(command);
    const url = /https?:\/\/[^\s"']+|"https?:\/\/[^"]+"/.exec(command)?.[0]?.replaceAll('"', '');
    if (!data || !url) continue;
    const body = data[1] !== undefined ? data[1].replace(/\\(["\\$`])/g, '$1') : (data[2] ?? '');
    const path = new URL(url.replace(/<[^>]+>/g, 'x')).pathname;
    // The edge relay (/functions/v1/tradingview-webhook/<secret>) takes what the bot's receiver takes.
    const local = path.replace(/^.*\/tradingview-webhook/, '/webhook/tradingview');
    const hasSecret = /WEBHOOK_SECRET|<secret>|"(passphrase|secret|token)"/.test(command);
    out.push({ where, body, route: hasSecret ? 'secret' : 'open', path: local });
  }
  return out;
}

/** `npm …` and `npx …` commands in the shell blocks, with their location. */
function extractCommands(file: string, markdown: string): { where: string; command: string }[] {
  const out: { where: string; command: string }[] = [];
  const blocks = markdown.matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm);
  for (const block of blocks) {
    const startLine = markdown.slice(0, block.index).split('\n').length;
    const joined = (block[1] ?? '').replace(/\\\n\s*/g, ' ');
    joined.split('\n').forEach((line, i) => {
      const code = line.replace(/\s#.*$/, '').trim();
      const m = /(?:^|\s|&&\s*)(npm|npx)\s.*$/.exec(code);
      if (m) out.push({ where: `${file}:${startLine + i + 1}`, command: m[0].replace(/^&&\s*/, '').trim() });
    });
  }
  return out;
}

const scripts = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** Problems with one shown command: a missing npm script or a missing file. */
function commandProblems(command: string): string[] {
  const problems: string[] = [];
  for (const part of command.split('&&').map((p) => p.trim())) {
    const words = part.split(/\s+/);
    if (words[0] === 'npm') {
      const verb = words[1] ?? '';
      const script = verb === 'run' ? words[2] : verb === 'start' || verb === 'test' ? verb : undefined;
      if (verb === 'install') continue;
      if (script === undefined) problems.push(`"${part}": not an npm command the docs should show`);
      else if (!(script in scripts)) problems.push(`"${part}": package.json has no script "${script}"`);
      for (const word of words.slice(2)) {
        if (!/^(scripts|src|tests|supabase|sim|dashboard|docs)\//.test(word)) continue;
        if (!existsSync(join(ROOT, word))) problems.push(`"${part}": ${word} does not exist`);
      }
    } else if (words[0] === 'npx') {
      for (const word of words.slice(2)) {
        if (!/^(scripts|src|tests|supabase|sim|dashboard|docs)(\/|$)/.test(word)) continue;
        if (!existsSync(join(ROOT, word))) problems.push(`"${part}": ${word} does not exist`);
      }
    }
  }
  return problems;
}

const EXAMPLES = DOC_FILES.flatMap((f) => extractExamples(f, readFileSync(join(ROOT, f), 'utf8')));
const COMMANDS = DOC_FILES.flatMap((f) => extractCommands(f, readFileSync(join(ROOT, f), 'utf8')));

type Intake = Parameters<typeof registerWebhookRoutes>[1]['intake'];

/** The bot's routes: with WEBHOOK_SECRET set, without it, and one with the pipe grammar enabled. */
const ROUTES: Readonly<Record<Route, Intake>> = {
  secret: { secrets: [SECRET] },
  open: {},
  pipe: { secrets: [SECRET], pipeFields: ['secret', 'strategy', 'action', 'ticker'] },
};

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** A fresh receiver per example, so examples repeated across files are not each other's duplicates. */
async function startReceiver(route: Route): Promise<{ url: string; inbox: FakeInbox }> {
  const app = createHttpServer({ logger: false });
  apps.push(app);
  const inbox = new FakeInbox();
  registerWebhookRoutes(app, { inbox, intake: ROUTES[route], rateLimit: false, now: () => RECEIVED_AT });
  return { url: await listenHttpServer(app), inbox };
}

describe('every payload example in README.md and docs/*.md', () => {
  it('finds the examples (the extractor has not gone blind)', () => {
    const files = new Set(EXAMPLES.map((e) => e.where.split(':')[0]));
    expect(files).toContain('README.md');
    expect(files).toContain('docs/alerts.md');
    expect(EXAMPLES.some((e) => e.path !== undefined)).toBe(true);
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(15);
  });

  it.each(EXAMPLES.map((e) => [e.where, e] as const))(
    '%s is accepted and stored',
    async (_where, example) => {
      const receiver = await startReceiver(example.route);
      const path =
        example.path ??
        (example.route === 'open' ? '/webhook/tradingview' : `/webhook/tradingview/${SECRET}`);
      const body = render(example.body);
      const res = await fetch(`${receiver.url}${render(path)}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain' },
      });
      const reply = (await res.json()) as { status?: string; error?: string; key?: string };
      expect({ status: res.status, reply, body }).toMatchObject({
        status: 200,
        reply: { status: 'accepted' },
      });
      expect(receiver.inbox.rows).toHaveLength(1);
      expect(receiver.inbox.rows.at(-1)).toMatchObject({ idempotencyKey: reply.key });
    },
  );
});

describe('every npm/npx command in README.md and docs/*.md', () => {
  it('finds the commands', () => {
    expect(COMMANDS.length).toBeGreaterThanOrEqual(20);
  });

  it.each(COMMANDS.map((c) => [c.where, c.command] as const))(
    '%s %s names a script and files that exist',
    (_w, command) => {
      expect(commandProblems(command)).toEqual([]);
    },
  );

  it('every option shown after `npm start --` is listed by `npm start -- --help`', () => {
    // Run the start script's own command (cheap, no side effects): `tsx scripts/bot.ts --help`.
    const [runner, ...args] = (scripts['start'] ?? '').split(/\s+/);
    const help = execFileSync(join(ROOT, 'node_modules', '.bin', runner ?? 'tsx'), [...args, '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const shown = COMMANDS.filter((c) => /^npm start -- /.test(c.command)).flatMap((c) =>
      [...c.command.matchAll(/\s(--[a-z][a-z-]*)/g)].map((m) => ({ where: c.where, option: m[1] ?? '' })),
    );
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.filter((s) => !help.includes(s.option))).toEqual([]);
  }, 40_000);

  it('every option shown after `npm run lab --` is listed by `npm run lab -- --help`', () => {
    const [runner, ...args] = (scripts['lab'] ?? '').split(/\s+/);
    const help = execFileSync(join(ROOT, 'node_modules', '.bin', runner ?? 'tsx'), [...args, '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const shown = COMMANDS.filter((c) => /^npm run lab -- /.test(c.command)).flatMap((c) =>
      [...c.command.matchAll(/\s(--[a-z][a-z-]*)/g)].map((m) => ({ where: c.where, option: m[1] ?? '' })),
    );
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.filter((s) => !help.includes(s.option))).toEqual([]);
  }, 40_000);

  it('flags a missing script and a missing file', () => {
    expect(commandProblems('npm run no-such-script')).toHaveLength(1);
    expect(commandProblems('npx tsx scripts/no-such-file.ts --help')).toHaveLength(1);
    expect(commandProblems('npm run lab -- --data x.csv --grid docs/no-such-grid.json')).toHaveLength(1);
  });
});
