import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { deferred, FakeComponent, serviceWith } from './helpers';

async function get(port: number, path: string): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
}

describe('Service', () => {
  it('answers /healthz while starting and /readyz only once every component has started', async () => {
    const gate = deferred();
    const slow = new FakeComponent('slow');
    slow.startGate = gate.promise;
    const { service } = serviceWith([slow]);
    const starting = service.start();
    while (!service.app.server.listening) await new Promise((r) => setTimeout(r, 5));
    try {
      expect((await get(service.port, '/healthz')).status).toBe(200);
      const notReady = await get(service.port, '/readyz');
      expect(notReady.status).toBe(503);
      expect(JSON.parse(notReady.body)).toMatchObject({ status: 'not ready', phase: 'starting' });
      gate.resolve();
      await starting;
      const ready = await get(service.port, '/readyz');
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toMatchObject({
        status: 'ready',
        components: [{ name: 'slow', status: 'up', latencyMs: expect.any(Number) }],
      });
    } finally {
      await service.stop();
    }
  });

  it('reports 503 naming the unhealthy component, and a check that hangs as down', async () => {
    const db = new FakeComponent('database');
    const cache = new FakeComponent('cache');
    const { service } = serviceWith([db, cache]);
    await service.start();
    try {
      db.health = async () => ({ status: 'down', detail: 'connection refused' });
      cache.health = () => new Promise(() => undefined);
      const res = await get(service.port, '/readyz');
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body).components).toEqual([
        { name: 'database', status: 'down', detail: 'connection refused', latencyMs: expect.any(Number) },
        { name: 'cache', status: 'down', detail: 'cache did not answer within 200 ms', latencyMs: expect.any(Number) },
      ]);
      db.health = async () => ({ status: 'up' });
      cache.health = async () => ({ status: 'degraded', detail: 'serving from memory' });
      expect((await get(service.port, '/readyz')).status).toBe(200);
    } finally {
      await service.stop();
    }
  });

  it('serves valid Prometheus text with process metrics and component health', async () => {
    const { service } = serviceWith([new FakeComponent('cache')]);
    await service.start();
    try {
      await get(service.port, '/healthz');
      const res = await get(service.port, '/metrics');
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
      const families = parsePrometheusTextFormat(res.body);
      const byName = new Map(families.map((f) => [f.name, f]));
      expect(byName.get('core_process_cpu_user_seconds_total')?.type).toBe('COUNTER');
      expect(byName.get('core_component_up')?.metrics).toEqual([{ labels: { component: 'cache' }, value: '1' }]);
      expect(byName.get('core_http_requests_total')?.metrics).toContainEqual({
        labels: { method: 'GET', route: '/healthz', status: '200' },
        value: '1',
      });
      // Every sample line is `name{labels} value`; every family has HELP and TYPE.
      for (const line of res.body.split('\n').filter((l) => l && !l.startsWith('#'))) {
        expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? ([-+]?\d+(\.\d+)?([eE][-+]?\d+)?|nan|[-+]?inf)( -?\d+)?$/i);
      }
    } finally {
      await service.stop();
    }
  });

  it('on stop fails readiness first, lets an in-flight request finish, then stops components in reverse', async () => {
    const journal: string[] = [];
    const { service } = serviceWith([new FakeComponent('a', journal), new FakeComponent('b', journal)]);
    const release = deferred();
    const entered = deferred();
    service.app.get('/slow', async () => {
      entered.resolve();
      await release.promise;
      journal.push('slow request done');
      return { done: true };
    });
    await service.start();
    const inFlight = fetch(`http://127.0.0.1:${service.port}/slow`).then((r) => r.json());
    await entered.promise;
    const stopping = service.stop();
    expect(service.phase).toBe('stopping');
    release.resolve();
    await stopping;
    expect(await inFlight).toEqual({ done: true });
    expect(journal).toEqual(['start:a', 'start:b', 'slow request done', 'stop:b', 'stop:a']);
    expect(service.phase).toBe('stopped');
  });
});
