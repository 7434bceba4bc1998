import { execFileSync, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalProvider } from '@core/cloud-storage/local';
import { freePort, startRedisServer, waitForPort } from '@core/testing';
import type { RedisServerHandle } from '@core/testing';
import { backup, verify } from '../src';
import { drillRedis, RedisSource, restoreRedis } from '../src/sources/redis';
import { initTestRepo, tempDir } from './fixtures';

const cli = (port: number, ...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args]).toString().trim();

describe('Redis source (redis-cli --rdb)', () => {
  let server: RedisServerHandle;
  let work: string;
  beforeAll(async () => {
    server = await startRedisServer();
    work = await tempDir();
  });
  afterAll(async () => {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('backs up the RDB of a running server; a server started on the restored file has the same keys', async () => {
    for (let i = 0; i < 200; i++) cli(server.port, 'set', `key:${i}`, `value ${i}`);
    cli(server.port, 'rpush', 'list', 'a', 'b', 'c');
    const repository = await initTestRepo(new LocalProvider({ root: join(work, 'repo') }));
    const { snapshot } = await backup(repository, new RedisSource({ url: server.url }));
    expect(snapshot.versions.redis).toMatch(/^\d+\./);
    const dir = join(work, 'restored');
    await restoreRedis(repository, snapshot.id, dir);
    const port = await freePort();
    const restored = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', 'dump.rdb', '--appendonly', 'no', '--save', ''], { stdio: 'ignore' });
    try {
      await waitForPort(port);
      expect(cli(port, 'dbsize')).toBe('201');
      expect(cli(port, 'get', 'key:42')).toBe('value 42');
      expect(cli(port, 'lrange', 'list', '0', '-1')).toBe('a\nb\nc');
    } finally {
      restored.kill('SIGKILL');
    }
    expect((await verify(repository, { readData: true })).errors).toEqual([]);
    const drill = await drillRedis(repository);
    expect(drill).toMatchObject({ kind: 'redis', ok: true, snapshot: snapshot.id, checks: [{ name: 'redis-check-rdb', ok: true }] });
  });

  it('a server that is not there is a SourceError and no snapshot', async () => {
    const repository = await initTestRepo(new LocalProvider({ root: join(work, 'repo-2') }));
    await expect(backup(repository, new RedisSource({ url: `redis://127.0.0.1:${await freePort()}` }))).rejects.toMatchObject({ code: 'BACKUP_SOURCE_FAILED' });
    expect(await repository.snapshots()).toEqual([]);
  });
});
