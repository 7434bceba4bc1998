import type { Component, ComponentHealth } from './component';

/** One component's line in the readiness report. */
export interface ComponentReport extends ComponentHealth {
  name: string;
  /** How long the health check took, in milliseconds. */
  latencyMs: number;
}

/** Runs components: start in order, stop in reverse, health checks with a time limit. */
export class ComponentRegistry {
  readonly #components: Component[] = [];
  readonly #started: Component[] = [];

  constructor(private readonly healthTimeoutMs = 2_000) {}

  /** Adds a component; names must be unique. */
  register(component: Component): this {
    if (this.#components.some((c) => c.name === component.name)) {
      throw new Error(`a component named "${component.name}" is already registered`);
    }
    this.#components.push(component);
    return this;
  }

  /** Starts every component in registration order; on failure stops those already started. */
  async startAll(): Promise<void> {
    for (const component of this.#components) {
      try {
        await component.start();
      } catch (error) {
        await this.stopAll();
        throw new Error(`component "${component.name}" failed to start: ${(error as Error).message}`, { cause: error });
      }
      this.#started.push(component);
    }
  }

  /** Stops started components in reverse order; one failing stop does not keep the others running. */
  async stopAll(): Promise<Error[]> {
    const failures: Error[] = [];
    while (this.#started.length > 0) {
      const component = this.#started.pop()!;
      try {
        await component.stop();
      } catch (error) {
        failures.push(new Error(`component "${component.name}" failed to stop: ${(error as Error).message}`));
      }
    }
    return failures;
  }

  /** Checks every component concurrently; a check that throws or overruns counts as `down`. */
  async health(): Promise<ComponentReport[]> {
    return Promise.all(this.#components.map((c) => this.#check(c)));
  }

  async #check(component: Component): Promise<ComponentReport> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<ComponentHealth>((resolve) => {
      timer = setTimeout(
        () => resolve({ status: 'down', detail: `health check exceeded ${this.healthTimeoutMs} ms` }),
        this.healthTimeoutMs,
      );
    });
    try {
      const result = await Promise.race([component.health(), overrun]);
      return { name: component.name, ...result, latencyMs: elapsed(started) };
    } catch (error) {
      return { name: component.name, status: 'down', detail: (error as Error).message, latencyMs: elapsed(started) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 100) / 100;
}
