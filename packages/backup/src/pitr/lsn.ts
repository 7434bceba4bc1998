import { InvalidOptionsError } from '../errors';

/** A WAL location (`16/B374D848`) as a 64-bit number. */
export type Lsn = bigint;

const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** Parses `X/Y`; anything else is an `InvalidOptionsError` naming `field`. */
export function parseLsn(text: string, field = 'lsn'): Lsn {
  const match = LSN.exec(text.trim());
  if (!match) throw new InvalidOptionsError(`${field} must be a WAL location like 0/16B3748 (got ${JSON.stringify(text)})`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** Formats a WAL location as PostgreSQL prints it. */
export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
