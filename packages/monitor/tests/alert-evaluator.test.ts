import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import { AlertEvaluator, defaultAlertRules, InvalidOptionsError } from '../src';
import type { AlertNotification } from '../src';

/** A real HTTP server on loopback that records what the webhook receives. */
async function webhookReceiver(): Promise<{ url: string; received: AlertNotification[]; close(): Promise<void> }> {
  const received: AlertNotification[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(JSON.parse(body) as AlertNotification);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('AlertEvaluator (in-process, over a prom-client registry)', () => {
  it('a condition held past its for: goes pending, fires once, then resolves once; the webhook and the log get both', async () => {
    const registry = new Registry();
    const lag = new Gauge({ name: 'pg_replication_lag_seconds', help: 'lag', registers: [registry] });
    const hook = await webhookReceiver();
    const logged: string[] = [];
    const evaluator = new AlertEvaluator(registry, {
      groups: [{ name: 'test', rules: [{ alert: 'Lagging', expr: 'pg_replication_lag_seconds > 30', for: '1m', labels: { severity: 'warning' }, annotations: { summary: 'lag is {{ $value }} s' } }] }],
      webhookUrl: hook.url,
      log: (message) => logged.push(message),
    });
    try {
      const t0 = Date.parse('2026-12-02T10:00:00Z');
      lag.set(5);
      await evaluator.evaluateOnce(t0);
      expect(evaluator.alerts()).toEqual([]);
      lag.set(45);
      await evaluator.evaluateOnce(t0 + 15_000);
      expect(evaluator.alerts()).toEqual([expect.objectContaining({ alert: 'Lagging', state: 'pending', value: 45 })]);
      await evaluator.evaluateOnce(t0 + 45_000);
      expect(evaluator.alerts()[0]!.state).toBe('pending');
      await evaluator.evaluateOnce(t0 + 75_000);
      expect(evaluator.alerts()).toEqual([expect.objectContaining({ state: 'firing', firedAt: new Date(t0 + 75_000).toISOString(), annotations: { summary: 'lag is 45 s' } })]);
      await evaluator.evaluateOnce(t0 + 90_000);
      lag.set(2);
      await evaluator.evaluateOnce(t0 + 105_000);
      expect(evaluator.alerts()).toEqual([]);
      await evaluator.evaluateOnce(t0 + 120_000);
      expect(hook.received.map((n) => [n.status, n.alerts[0]!.labels])).toEqual([
        ['firing', { alertname: 'Lagging', severity: 'warning' }],
        ['resolved', { alertname: 'Lagging', severity: 'warning' }],
      ]);
      expect(hook.received[1]!.alerts[0]).toMatchObject({ startsAt: new Date(t0 + 15_000).toISOString(), endsAt: new Date(t0 + 105_000).toISOString() });
      expect(logged).toEqual(['alert Lagging firing', 'alert Lagging resolved']);
    } finally {
      await hook.close();
    }
  });

  it('a condition that clears before its for: never fires', async () => {
    const registry = new Registry();
    const up = new Gauge({ name: 'pg_up', help: 'up', registers: [registry] });
    const logged: string[] = [];
    const evaluator = new AlertEvaluator(registry, { groups: [{ name: 'g', rules: [{ alert: 'Down', expr: 'pg_up == 0', for: '1m' }] }], log: (m) => logged.push(m) });
    up.set(0);
    await evaluator.evaluateOnce(0);
    up.set(1);
    await evaluator.evaluateOnce(30_000);
    expect(evaluator.alerts()).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('evaluates increase() over a counter per label set, and a ratio guarded by and', async () => {
    const registry = new Registry();
    const runs = new Counter({ name: 'core_job_runs_total', help: 'runs', labelNames: ['job', 'result'], registers: [registry] });
    const used = new Gauge({ name: 'redis_memory_used_bytes', help: 'used', registers: [registry] });
    const max = new Gauge({ name: 'redis_memory_max_bytes', help: 'max', registers: [registry] });
    const evaluator = new AlertEvaluator(registry, {
      groups: defaultAlertRules().filter((g) => g.name !== 'core-postgres'),
    });
    runs.inc({ job: 'backup-drill', result: 'succeeded' });
    used.set(50);
    max.set(100);
    await evaluator.evaluateOnce(0);
    runs.inc({ job: 'backup-drill', result: 'failed' }, 0);
    await evaluator.evaluateOnce(60_000);
    runs.inc({ job: 'backup-drill', result: 'failed' });
    used.set(95);
    await evaluator.evaluateOnce(120_000);
    await evaluator.evaluateOnce(240_000);
    const firing = evaluator.alerts().filter((a) => a.state === 'firing').map((a) => [a.alert, a.labels.job ?? '']);
    expect(firing).toEqual(expect.arrayContaining([['BackupDrillFailed', 'backup-drill'], ['JobFailing', 'backup-drill'], ['RedisOutOfMemory', '']]));
    expect(firing.map(([name]) => name)).not.toContain('RedisDown');
  });

  it('every default rule is in the subset it evaluates; a rule outside it is refused with the rule named', () => {
    expect(() => new AlertEvaluator(new Registry(), { groups: defaultAlertRules() })).not.toThrow();
    expect(() => new AlertEvaluator(new Registry(), { groups: [{ name: 'g', rules: [{ alert: 'Quantile', expr: 'histogram_quantile(0.9, x_bucket) > 1' }] }] })).toThrow(InvalidOptionsError);
    expect(() => new AlertEvaluator(new Registry(), { groups: [{ name: 'g', rules: [{ alert: 'Broken', expr: 'sum(pg_up' }] }] })).toThrow(/alert Broken/);
    expect(() => new AlertEvaluator(new Registry(), { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'pg_up == 0' }, { alert: 'A', expr: 'pg_up == 1' }] }] })).toThrow(/defined twice/);
  });
});
