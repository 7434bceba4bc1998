import { QueryTimeoutError } from '../src';
import { DeadlineClock } from '../src/deadline-clock';
import { Endpoint } from '../src/endpoint';
import { postgresDialect } from '../src/postgres/postgres-dialect';
import type { ConnectionSource, SqlConnection } from '../src/sql-connection';

// The client-side deadline is the backstop for a server or network that stops answering (the real
// server's own statement_timeout, set to the same value, normally fires first: see timeouts.test.ts).
// Here a source that never answers until cancelled stands in for that network, to reach the backstop.
function unanswering(): { source: ConnectionSource; cancelled: number[]; released: boolean[] } {
  const cancelled: number[] = [];
  const released: boolean[] = [];
  let fail: (error: Error) => void = () => undefined;
  const connection: SqlConnection = {
    pid: 4242,
    query: () => new Promise((_, reject) => (fail = reject)),
  };
  const source: ConnectionSource = {
    acquire: async () => ({ connection, release: (broken = false) => void released.push(broken) }),
    cancel: async (pid) => {
      cancelled.push(pid);
      fail(Object.assign(new Error('canceling statement due to user request'), { code: '57014' }));
    },
    stats: () => ({ total: 1, idle: 0, waiting: 0 }),
    close: async () => undefined,
  };
  return { source, cancelled, released };
}

describe('client-side deadline', () => {
  it('cancels the backend, waits for the statement to end, releases the connection whole, throws QueryTimeoutError', async () => {
    const { source, cancelled, released } = unanswering();
    const endpoint = new Endpoint('primary', source, postgresDialect, 1, { timeoutMs: 100 });
    await expect(endpoint.run((c) => c.query('SELECT 1'))).rejects.toBeInstanceOf(QueryTimeoutError);
    expect(cancelled).toEqual([4242]);
    expect(released).toEqual([false]); // back to the pool idle, not discarded
    expect(endpoint.leaks.checkedOut).toBe(0);
  });

  it('the shared clock resolves "expired" only for work still running at its deadline', async () => {
    const clock = new DeadlineClock(10);
    expect(await clock.race(Promise.resolve(7), 50)).toEqual({ value: 7 });
    expect(await clock.race(new Promise(() => undefined), 50)).toBe('expired');
    await expect(clock.race(Promise.reject(new Error('boom')), 50)).rejects.toThrow('boom');
  });
});
