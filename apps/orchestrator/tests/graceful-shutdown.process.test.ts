import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@core/testing';

const main = join(__dirname, '..', 'src', 'main.ts');

/** Runs the real CLI from source in a child process (tsx, sources resolved through @core/source). */
function startCore(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--conditions=@core/source', '--import', 'tsx', main, 'serve'], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function waitForStatus(url: string, status: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await fetch(url).then((r) => r.status, () => 0);
    if (got === status) return;
    if (Date.now() > deadline) throw new Error(`${url} still answers ${got}, expected ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('core serve as a real process', () => {
  it('serves, then on SIGTERM stops gracefully and exits 0', async () => {
    const port = await freePort();
    const core = startCore({ CORE_ENV: 'test', PORT: String(port) });
    try {
      await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const ready = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { components: unknown[] };
      expect(ready.components).toEqual([
        { name: 'migrations', status: 'up', latencyMs: expect.any(Number) },
        { name: 'database', status: 'up', latencyMs: expect.any(Number), detail: expect.stringMatching(/^primary: pool \d+\/1 in use .* breaker closed$/) },
        { name: 'cache', status: 'up', latencyMs: expect.any(Number) },
        { name: 'vectors', status: 'up', latencyMs: expect.any(Number) },
        { name: 'scheduler', status: 'up', latencyMs: expect.any(Number) },
      ]);
      core.child.kill('SIGTERM');
      expect(await core.exit).toBe(0);
      const events = core.output().split('\n').filter(Boolean).map((l) => JSON.parse(l).msg);
      expect(events).toEqual(expect.arrayContaining(['graceful shutdown started', 'stopped']));
      expect(events.indexOf('stopped')).toBeGreaterThan(events.indexOf('graceful shutdown started'));
    } finally {
      core.child.kill('SIGKILL');
    }
  });

  it('exits 2 naming DATABASE_URL when production lacks it, and never logs secrets', async () => {
    const missing = startCore({ CORE_ENV: 'production', REDIS_URL: 'redis://:redis-secret@127.0.0.1:6379' });
    expect(await missing.exit).toBe(2);
    expect(missing.output()).toContain('DATABASE_URL');
    expect(missing.output()).not.toContain('redis-secret');
  });

  it('logs its configuration at start-up with passwords redacted', async () => {
    const port = await freePort();
    const core = startCore({
      CORE_ENV: 'test',
      PORT: String(port),
      PG_URL: 'postgres://postgres:pg-secret-1@127.0.0.1:5432/test',
      BACKUP_PASSPHRASE: 'a long backup passphrase',
    });
    try {
      await waitForStatus(`http://127.0.0.1:${port}/healthz`, 200);
      core.child.kill('SIGINT');
      expect(await core.exit).toBe(0);
      expect(core.output()).toContain('postgres://postgres:[redacted]@127.0.0.1:5432/test');
      expect(core.output()).not.toMatch(/pg-secret-1|long backup passphrase/);
    } finally {
      core.child.kill('SIGKILL');
    }
  });
});
