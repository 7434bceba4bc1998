import { createClient } from 'redis';
import { startRedisServer, startSilentServer } from '@core/testing';
import type { RedisServerHandle } from '@core/testing';
import { CheckTimeoutError, RedisInsight } from '../src';

jest.setTimeout(60_000);

describe('RedisInsight on a private server driven into eviction', () => {
  let server: RedisServerHandle;
  let client: ReturnType<typeof createClient>;
  beforeAll(async () => {
    server = await startRedisServer();
    client = createClient({ url: server.url });
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(async () => {
    await client?.quit().catch(() => undefined);
    await server?.stop();
  });

  it('reports memory near maxmemory, evictions with the policy, a low hit rate and the slow log', async () => {
    await client.configSet({ maxmemory: '4mb', 'maxmemory-policy': 'allkeys-lru', 'slowlog-log-slower-than': '20000' });
    const value = 'x'.repeat(10_000);
    for (let i = 0; i < 1500; i++) await client.set(`key:${i}`, value);
    for (let i = 0; i < 1200; i++) await client.get(`absent:${i}`);
    // A script that spins long enough to pass slowlog-log-slower-than (20 ms).
    await client.sendCommand(['EVAL', 'local i = 0 while i < 20000000 do i = i + 1 end return i', '0']);
    const report = await new RedisInsight(client).run();
    expect(report.info).toMatchObject({ maxMemory: 4 * 1024 * 1024, policy: 'allkeys-lru', role: 'master' });
    expect(report.info.evictedKeys).toBeGreaterThan(0);
    const subjects = report.findings.map((f) => f.subject);
    expect(subjects).toEqual(expect.arrayContaining(['memory', 'evictions', 'hit rate']));
    expect(report.findings.find((f) => f.subject === 'evictions')).toMatchObject({ severity: 'warning', fix: `CONFIG SET maxmemory ${8 * 1024 * 1024}`, message: expect.stringContaining('allkeys-lru') });
    const spin = report.slowCommands.find((c) => c.command.startsWith('EVAL local i = 0'));
    expect(spin?.durationMicros).toBeGreaterThanOrEqual(20_000);
    expect(report.findings).toEqual(expect.arrayContaining([expect.objectContaining({ subject: `slowlog ${spin!.id}`, severity: 'info' })]));
  });

  it('a server that never answers is a CheckTimeoutError within the deadline', async () => {
    const silent = await startSilentServer();
    // A real client of a server that accepts the connection and replies nothing.
    const hung = createClient({ url: silent.url, socket: { connectTimeout: 5000, reconnectStrategy: false } });
    hung.on('error', () => undefined);
    const connected = hung.connect().catch(() => undefined);
    const insight = new RedisInsight({ info: async () => (await connected, hung.info()), sendCommand: (args) => hung.sendCommand(args) }, { timeoutMs: 300 });
    try {
      const started = Date.now();
      await expect(insight.run()).rejects.toThrow(CheckTimeoutError);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      hung.destroy();
      await silent.stop();
    }
  });
});
