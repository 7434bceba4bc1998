import { createHash } from 'node:crypto';

/** SHA-256 of a migration's source, hex. */
export function checksum(source: string | Buffer): string {
  return createHash('sha256').update(source).digest('hex');
}
