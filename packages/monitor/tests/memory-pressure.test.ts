import { Registry } from 'prom-client';
import { checkMetrics } from '@core/testing';
import { HealthRegistry, InvalidOptionsError, MemoryPressure } from '../src';
import type { MemoryReading } from '../src';

jest.setTimeout(300_000);

test('under the heap threshold the check is up; over it the check is degraded with the reason and the action runs', async () => {
  let heapUsed = 100;
  const actions: MemoryReading[] = [];
  const memory = new MemoryPressure({ heapLimitBytes: 1000, heapRatio: 0.8, rssBytes: 5000, readUsage: () => ({ heapUsed, rss: 2000 }), onPressure: (r) => actions.push(r) });
  const health = new HealthRegistry().register(memory.healthCheck());
  expect((await health.report()).checks[0]).toMatchObject({ name: 'memory', status: 'up', critical: false });
  heapUsed = 850;
  const report = await health.report();
  expect(report.status).toBe('degraded');
  expect(report.checks[0]).toMatchObject({ status: 'degraded', detail: 'heap 85 % of its limit (threshold 80 %)' });
  expect(actions).toHaveLength(1);
  expect(actions[0]).toMatchObject({ pressure: true, heapRatio: 0.85 });
});

test('the real process: series at scrape time that promtool accepts, and pressure once the RSS bound is below the real RSS', async () => {
  const registry = new Registry();
  new MemoryPressure().registerMetrics(registry);
  const text = await registry.metrics();
  expect(text).toMatch(/core_memory_rss_bytes \d+/);
  expect(text).toContain('core_memory_pressure 0');
  expect(checkMetrics(text)).toEqual({ status: 0, output: '' });
  const tight = new MemoryPressure({ rssBytes: 1024 * 1024 });
  expect(tight.read()).toMatchObject({ pressure: true, reasons: [expect.stringMatching(/^RSS \d+ MiB \(threshold 1 MiB\)$/)] });
});

test('bad thresholds are typed errors', () => {
  expect(() => new MemoryPressure({ heapRatio: 1.5 })).toThrow(InvalidOptionsError);
  expect(() => new MemoryPressure({ rssBytes: -1 })).toThrow(/rssBytes must be > 0/);
});
