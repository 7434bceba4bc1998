import { Readable } from 'node:stream';
import { ObjectNotFoundError, StorageAbortedError, StorageError, StorageRequestError, StorageUnavailableError } from './errors';

/** Error codes of sockets and DNS that mean "the store is not reachable". */
const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET', 'REQUEST_SEND_ERROR']);
const TRANSPORT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'AbortError', 'ECONNRESET']);

/** One call's deadline, joined with the caller's own signal. */
export interface CallDeadline {
  signal: AbortSignal;
  /** True once the deadline (not the caller) aborted the call. */
  readonly timedOut: boolean;
  /** Pushes the deadline `ms` further away (progress was made). */
  extend(): void;
  clear(): void;
}

/**
 * A deadline of `timeoutMs` for one request (or, `extend()`ed on every chunk, an idle deadline for a
 * transfer), aborting the returned signal; the caller's `signal` aborts it too.
 */
export function callDeadline(timeoutMs: number, caller?: AbortSignal): CallDeadline {
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new StorageUnavailableError(`no answer from the store within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref?.();
  };
  const onCaller = () => controller.abort(caller!.reason);
  if (caller?.aborted) controller.abort(caller.reason);
  else caller?.addEventListener('abort', onCaller, { once: true });
  arm();
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    extend: arm,
    clear() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onCaller);
    },
  };
}

/**
 * The error a caller sees for a failed request: this package's own errors pass through; not found is
 * `ObjectNotFoundError`; the deadline or the caller's signal, a refused, reset or unreachable store and
 * 5xx answers are `StorageUnavailableError` / `StorageAbortedError`; any other answer of the store is
 * `StorageRequestError`. A raw SDK or socket error never reaches the caller (it is the `cause`).
 */
export function storageError(error: unknown, what: string, deadline?: CallDeadline, key?: string): StorageError {
  if (error instanceof StorageError) return error;
  const e = (error ?? {}) as { name?: string; code?: string; statusCode?: number; $metadata?: { httpStatusCode?: number }; message?: string };
  const status = e.$metadata?.httpStatusCode ?? e.statusCode;
  if (key !== undefined && (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.code === 'BlobNotFound' || status === 404)) return new ObjectNotFoundError(key);
  if (deadline?.timedOut) return new StorageUnavailableError(`${what}: no answer within the deadline`, { cause: error });
  if (e.name === 'AbortError' || deadline?.signal.aborted) return new StorageAbortedError(`${what} was aborted`, { cause: error });
  const transport = TRANSPORT_CODES.has(e.code ?? '') || TRANSPORT_NAMES.has(e.name ?? '') || (status === undefined && /socket|connect|network|ECONN/i.test(e.message ?? ''));
  if (transport || (status !== undefined && status >= 500)) return new StorageUnavailableError(`${what}: ${e.message ?? e.name ?? 'the store failed'}`, { cause: error });
  return new StorageRequestError(`${what}: ${e.message ?? e.name ?? 'refused'}${status ? ` (HTTP ${status})` : ''}`, status, { cause: error });
}

/**
 * `stream` failing with `StorageUnavailableError` when the store sends no byte for `idleMs` while the
 * consumer waits for one. Pulled, like every download stage: the timer runs only during a read, so a
 * slow consumer is never timed out, and the failure surfaces where the stream is consumed.
 */
export function idleWatchdog(stream: Readable, idleMs: number, what: string): Readable {
  return Readable.from(
    (async function* () {
      const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      let finished = false;
      try {
        for (;;) {
          let timer: NodeJS.Timeout | undefined;
          const stalled = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new StorageUnavailableError(`${what}: no data for ${idleMs} ms`)), idleMs);
          });
          const next = await Promise.race([chunks.next(), stalled]).finally(() => clearTimeout(timer));
          if (next.done) {
            finished = true;
            return;
          }
          yield next.value;
        }
      } catch (error) {
        throw storageError(error, what);
      } finally {
        if (!finished) stream.destroy();
      }
    })(),
    { objectMode: false },
  );
}
