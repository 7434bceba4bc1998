import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliIo } from '../src/cli';

function captureIo(env: NodeJS.ProcessEnv): CliIo & { out: string; err: string } {
  const io = {
    env,
    out: '',
    err: '',
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

describe('core CLI', () => {
  it('`core --version` prints the version from its package.json', async () => {
    const io = captureIo({});
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(await runCli(['node', join(__dirname, '..', 'src', 'main.ts'), '--version'], io)).toBe(0);
    expect(io.out).toBe(`${version}\n`);
  });

  it('`core config` prints the resolved configuration with secrets redacted', async () => {
    const io = captureIo({ CORE_ENV: 'production', DATABASE_URL: 'postgres://u:pw-xyz@db/app', REDIS_URL: 'redis://c:6379' });
    expect(await runCli(['node', 'core', 'config'], io)).toBe(0);
    const printed = JSON.parse(io.out);
    expect(printed.profile).toBe('production');
    expect(printed.database.url).toBe('postgres://u:[redacted]@db/app');
    expect(io.out).not.toContain('pw-xyz');
  });

  it('exits 2 naming the variable when production lacks DATABASE_URL', async () => {
    const io = captureIo({ CORE_ENV: 'production', REDIS_URL: 'redis://c:6379' });
    expect(await runCli(['node', 'core', 'config'], io)).toBe(2);
    expect(io.err).toContain('DATABASE_URL');
    expect(io.out).toBe('');
  });

  it.each([[[]], [['serve']], [['config']]])('prints help for %j', async (path) => {
    const io = captureIo({});
    expect(await runCli(['node', 'core', ...path, '--help'], io)).toBe(0);
    expect(io.out).toMatch(/^Usage: core/);
  });

  it('rejects an unknown command with a non-zero status', async () => {
    const io = captureIo({});
    expect(await runCli(['node', 'core', 'launch'], io)).toBe(1);
    expect(io.err).toContain("unknown command 'launch'");
  });
});
