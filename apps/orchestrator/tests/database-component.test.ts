import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('opens PostgreSQL from the production settings', async () => {
    const component = new DatabaseComponent({ kind: 'postgres', url: testEnv().pgUrl, replicaUrls: [] }, createLogger('silent'), false);
    await component.start();
    try {
      expect((await component.health()).status).toBe('up');
      expect(component.database.dialect).toBe('postgres');
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
