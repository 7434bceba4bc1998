import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { testEnv } from '@core/testing';
import { DatabaseComponent, describeStats } from '../src/components/database-component';
import { createLogger } from '../src/logger';

describe('database component', () => {
  it('opens SQLite under the data dir, reports pool and breaker in its health, closes on stop', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'core-db-component-'));
    const component = new DatabaseComponent({ kind: 'sqlite', file: join(dir, 'nested', 'core.sqlite') }, createLogger('silent'), true);
    try {
      await component.start();
      await component.database.repository('AuditLog').count();
      expect(await component.health()).toEqual({ status: 'up', detail: 'primary: pool 0/1 in use (0 %), 1 idle, 0 waiting, breaker closed' });
    } finally {
      await component.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('opens PostgreSQL from the production settings, and logs connections held too long', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _e, done) => (lines.push(chunk.toString()), done()) });
    const component = new DatabaseComponent({ kind: 'postgres', url: testEnv().pgUrl, replicaUrls: [] }, createLogger('warn', sink), false);
    await component.start();
    try {
      expect((await component.health()).status).toBe('up');
      expect(component.database.dialect).toBe('postgres');
      const held = component.database.read('SELECT pg_sleep(0.4)');
      await new Promise((r) => setTimeout(r, 250));
      expect(component.reportLeaks(200)).toBe(1);
      await held;
      const logged = JSON.parse(lines.find((l) => l.includes('held too long'))!);
      expect(logged).toMatchObject({ endpoint: 'primary', msg: 'database connection held too long' });
      expect(logged.stack).toContain('database-component.test.ts');
    } finally {
      await component.stop();
    }
  });

  it('describes replicas with lag and marks skipped ones', () => {
    const pool = { total: 2, idle: 1, waiting: 0, checkedOut: 1, max: 20, utilisation: 5 };
    expect(
      describeStats({
        primary: { name: 'primary', breaker: 'closed', pool },
        replicas: [
          { name: 'replica-1', breaker: 'closed', pool, lagMs: 12.4, healthy: true },
          { name: 'replica-2', breaker: 'open', pool, lagMs: undefined, healthy: false },
        ],
      }),
    ).toBe(
      'primary: pool 1/20 in use (5 %), 1 idle, 0 waiting, breaker closed; replica-1: lag 12 ms, pool 1/20 in use (5 %), 1 idle, 0 waiting, breaker closed; replica-2: lag unknown (skipped), pool 1/20 in use (5 %), 1 idle, 0 waiting, breaker open',
    );
  });
});
