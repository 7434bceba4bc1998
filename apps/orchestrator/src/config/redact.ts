/** What replaces a secret in printed configuration and logs. */
export const REDACTED = '[redacted]';

const SECRET_KEY = /(pass(word|phrase)?|secret|api[-_]?key|token|credential|private[-_]?key)/i;

/** Replaces the password of a URL string (`postgres://u:pw@h` → `postgres://u:[redacted]@h`). */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (!url.password) return value;
    url.password = REDACTED;
    return url.toString().replace(encodeURIComponent(REDACTED), REDACTED);
  } catch {
    return value;
  }
}

/** A deep copy with secret-named fields replaced and passwords removed from every URL. */
export function redact<T>(value: T): T {
  return walk(value, undefined) as T;
}

function walk(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') return key && SECRET_KEY.test(key) ? REDACTED : redactUrl(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
  }
  return value;
}
