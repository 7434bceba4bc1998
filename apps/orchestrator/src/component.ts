/** Health of one component as its check reports it. */
export interface ComponentHealth {
  /** `up` when usable, `degraded` when usable with reduced guarantees, `down` when not usable. */
  status: 'up' | 'degraded' | 'down';
  /** Short, secret-free explanation. */
  detail?: string;
}

/**
 * What package wiring implements so the orchestrator can run it: started in registration order,
 * stopped in reverse, asked for health by `/readyz`.
 */
export interface Component {
  /** Unique name shown in `/readyz` and logs. */
  readonly name: string;
  /** Acquire resources (connections, files, timers). */
  start(): Promise<void>;
  /** Release everything `start` acquired; called once, in reverse start order. */
  stop(): Promise<void>;
  /** Cheap check of whether the component can serve right now. */
  health(): Promise<ComponentHealth>;
}
