import { HealthRegistry } from '@core/monitor';
import type { Component, ComponentHealth } from './component';

/** One component's line in the readiness report. */
export interface ComponentReport extends ComponentHealth {
  name: string;
  /** How long the health check took, in milliseconds. */
  latencyMs: number;
}

/** Runs components: start in order, stop in reverse; their health checks run through `@core/monitor`'s `HealthRegistry` with a time limit. */
export class ComponentRegistry {
  readonly #components: Component[] = [];
  readonly #started: Component[] = [];

  readonly #health = new HealthRegistry();

  constructor(private readonly healthTimeoutMs = 2_000) {}

  /** Adds a component; names must be unique. */
  register(component: Component): this {
    if (this.#components.some((c) => c.name === component.name)) {
      throw new Error(`a component named "${component.name}" is already registered`);
    }
    this.#components.push(component);
    this.#health.register({ name: component.name, timeoutMs: this.healthTimeoutMs, run: () => component.health() });
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

  /** Checks every component concurrently (`@core/monitor`'s health registry); a check that throws or overruns counts as `down`. */
  async health(): Promise<ComponentReport[]> {
    const report = await this.#health.report();
    return report.checks.map((check) => ({ name: check.name, status: check.status, ...(check.detail === undefined ? {} : { detail: check.detail }), latencyMs: check.latencyMs }));
  }
}
