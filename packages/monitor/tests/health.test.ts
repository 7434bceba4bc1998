import { CheckTimeoutError, HealthRegistry, InvalidOptionsError } from '../src';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('HealthRegistry', () => {
  it('is up when every check is up, degraded when a non-critical one is down, down when a critical one is', async () => {
    let cacheUp = true;
    let dbUp = true;
    const registry = new HealthRegistry()
      .register({ name: 'database', run: async () => (dbUp ? { status: 'up' } : { status: 'down', detail: 'refused' }) })
      .register({ name: 'cache', critical: false, run: async () => ({ status: cacheUp ? 'up' : 'down' }) });
    expect((await registry.report()).status).toBe('up');
    cacheUp = false;
    expect((await registry.report()).status).toBe('degraded');
    dbUp = false;
    const report = await registry.report();
    expect(report.status).toBe('down');
    expect(report.checks).toEqual([
      expect.objectContaining({ name: 'database', status: 'down', critical: true, detail: 'refused', cached: false }),
      expect.objectContaining({ name: 'cache', status: 'down', critical: false }),
    ]);
  });

  it('a check that hangs is down after its deadline, with the deadline in the detail, and its signal is aborted', async () => {
    let aborted = false;
    const registry = new HealthRegistry().register({
      name: 'stalled',
      timeoutMs: 100,
      run: (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => (aborted = true));
        }),
    });
    const started = Date.now();
    const report = await registry.report();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report.checks[0]).toMatchObject({ status: 'down', detail: new CheckTimeoutError('stalled', 100).message });
    expect(aborted).toBe(true);
  });

  it('a check that throws is down with the error\'s message', async () => {
    const registry = new HealthRegistry().register({ name: 'broken', run: () => Promise.reject(new Error('ECONNRESET')) });
    expect((await registry.report()).checks[0]).toMatchObject({ status: 'down', detail: 'ECONNRESET' });
  });

  it('serves a result younger than intervalMs from the cache, and concurrent reports share one run', async () => {
    let runs = 0;
    const registry = new HealthRegistry().register({
      name: 'counted',
      intervalMs: 300,
      run: async () => {
        runs++;
        await sleep(50);
        return { status: 'up' };
      },
    });
    await Promise.all([registry.report(), registry.report(), registry.report()]);
    expect(runs).toBe(1);
    expect((await registry.report()).checks[0]!.cached).toBe(true);
    expect(runs).toBe(1);
    await sleep(350);
    expect((await registry.report()).checks[0]!.cached).toBe(false);
    expect(runs).toBe(2);
  });

  it('refuses a duplicate name and a non-positive deadline', () => {
    const registry = new HealthRegistry().register({ name: 'a', run: async () => ({ status: 'up' }) });
    expect(() => registry.register({ name: 'a', run: async () => ({ status: 'up' }) })).toThrow(InvalidOptionsError);
    expect(() => registry.register({ name: 'b', timeoutMs: 0, run: async () => ({ status: 'up' }) })).toThrow(/timeoutMs/);
  });
});
