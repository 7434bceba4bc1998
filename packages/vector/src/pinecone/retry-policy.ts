import { ExponentialBackoff, handleWhen, retry, type IPolicy } from 'cockatiel';

/** How hard to retry throttled or failing Pinecone calls. */
export interface RetryOptions {
  /** Attempts after the first (default 5). */
  maxAttempts?: number;
  /** First backoff delay, ms (default 200; doubles with jitter up to `maxDelayMs`). */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * True for errors worth retrying: HTTP 429 and 5xx, and connection failures. The client is built
 * with `maxRetries: 0`, so a 5xx surfaces as `PineconeMaxRetriesExceededError`; a 429, which the
 * client does not map, as `PineconeUnmappedHttpError` with the status in its message.
 */
export function isRetryable(error: Error): boolean {
  const names = ['PineconeInternalServerError', 'PineconeUnavailableError', 'PineconeConnectionError', 'PineconeMaxRetriesExceededError'];
  if (names.includes(error.name)) return true;
  return /Status(?: Code)?: (429|5\d\d)\b/.test(error.message);
}

/** cockatiel retry with exponential backoff on `isRetryable` errors. */
export function retryPolicy(options: RetryOptions = {}): IPolicy {
  return retry(handleWhen(isRetryable), {
    maxAttempts: options.maxAttempts ?? 5,
    backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs ?? 200, maxDelay: options.maxDelayMs ?? 10_000 }),
  });
}
