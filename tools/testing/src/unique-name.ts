import { randomBytes } from 'node:crypto';

/** A short name unique to this test run, safe as a SQL identifier and a Redis key part. */
export function uniqueName(prefix = 't'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`.toLowerCase();
}
