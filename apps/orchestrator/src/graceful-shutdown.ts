import type { Logger } from 'pino';

/** Something that can be stopped gracefully. */
export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * On the first SIGTERM or SIGINT: stop the target and exit 0; if that takes longer than
 * `timeoutMs`, or the stop fails, exit 1. A second signal while stopping is ignored (logged).
 */
export function exitGracefullyOnSignals(
  target: Stoppable,
  options: { timeoutMs: number; logger: Logger; exit?: (code: number) => void },
): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      options.logger.warn({ signal }, 'already stopping');
      return;
    }
    stopping = true;
    options.logger.info({ signal, timeoutMs: options.timeoutMs }, 'graceful shutdown started');
    const timer = setTimeout(() => {
      options.logger.error({ timeoutMs: options.timeoutMs }, 'graceful shutdown timed out; exiting');
      exit(1);
    }, options.timeoutMs);
    timer.unref();
    target.stop().then(
      () => {
        clearTimeout(timer);
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(timer);
        options.logger.error({ err: error }, 'graceful shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
