import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function run(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-gateway.ts', ...args], {
    cwd: root,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('scripts/local-gateway.ts', () => {
  it('prints its URLs and credentials and moves prices so a market order fills', async () => {
    const script = run(['--port', '0', '--interval', '20', '--symbols', 'MNQ']);
    try {
      for (let i = 0; i < 1000 && !script.output().includes('Ctrl-C'); i += 1)
        await new Promise((r) => setTimeout(r, 20));
      const text = script.output();
      expect(text).toContain('"userName":"demo","apiKey":"demo-key"');
      const baseUrl = /REST\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(text)![1]!;
      expect(text).toContain('/hubs/user');
      const mnq = /MNQ → (CON\.F\.US\.MNQ\.\w+)/.exec(text)![1]!;
      const json = { 'content-type': 'application/json' };
      const login = (await (
        await fetch(`${baseUrl}/api/Auth/loginKey`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ userName: 'demo', apiKey: 'demo-key' }),
        })
      ).json()) as { token: string };
      const auth = { ...json, authorization: `Bearer ${login.token}` };
      await fetch(`${baseUrl}/api/Order/place`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ accountId: 1001, contractId: mnq, type: 2, side: 0, size: 1 }),
      });
      let positions: unknown[] = [];
      for (let i = 0; i < 500 && positions.length === 0; i += 1) {
        await new Promise((r) => setTimeout(r, 20));
        const reply = (await (
          await fetch(`${baseUrl}/api/Position/searchOpen`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ accountId: 1001 }),
          })
        ).json()) as { positions: unknown[] };
        positions = reply.positions;
      }
      expect(positions).toEqual([expect.objectContaining({ contractId: mnq, size: 1, type: 1 })]);
    } finally {
      script.child.kill('SIGTERM');
      await script.exited;
    }
  });

  it('refuses a bad option with a message naming it', async () => {
    const script = run(['--interval', 'soon']);
    expect(await script.exited).toBe(1);
    expect(script.output()).toContain('--interval must be a whole number');
  });
});
