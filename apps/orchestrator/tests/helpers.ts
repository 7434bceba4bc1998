import { Writable } from 'node:stream';
import { runCli, type CliIo } from '../src/cli';
import type { Component, ComponentHealth } from '../src/component';
import { ComponentRegistry } from '../src/component-registry';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics';
import { Service } from '../src/service';

/** A component whose start, stop and health the test controls. */
export class FakeComponent implements Component {
  health: () => Promise<ComponentHealth> = async () => ({ status: 'up' });
  startGate: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly journal: string[] = [],
  ) {}

  async start(): Promise<void> {
    await this.startGate;
    this.journal.push(`start:${this.name}`);
  }

  async stop(): Promise<void> {
    this.journal.push(`stop:${this.name}`);
  }
}

/** A service on a free port with the given components and a log captured in memory. */
export function serviceWith(components: Component[], healthTimeoutMs = 200): { service: Service; logs: string[] } {
  const registry = new ComponentRegistry(healthTimeoutMs);
  for (const c of components) registry.register(c);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const service = new Service({
    host: '127.0.0.1',
    port: 0,
    components: registry,
    metrics: createMetrics(registry),
    logger: createLogger('info', sink),
  });
  return { service, logs };
}

/** A promise with its resolve function, to hold a step until the test releases it. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Runs the `core` CLI in this process with `env`; resolves to its exit status and what it printed. */
export async function runCore(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const session: CliIo & { out: string; err: string } = { env, out: '', err: '', stdout: (t) => void (session.out += t), stderr: (t) => void (session.err += t) };
  const code = await runCli(['node', 'core', ...args], session);
  return { code, out: session.out, err: session.err };
}
