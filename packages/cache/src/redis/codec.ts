import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import type { Serializer } from '../serializer';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** First byte of every stored value: how the rest is encoded, so reads know without guessing. */
const RAW = 0x00;
const DEFLATED = 0x01;

/** Serializes, compresses when the payload reaches `threshold` bytes, and marks which it did. */
export async function encodeValue(value: unknown, serializer: Serializer, threshold: number): Promise<Buffer> {
  const serialized = serializer.serialize(value);
  const payload = typeof serialized === 'string' ? Buffer.from(serialized, 'utf8') : Buffer.from(serialized);
  if (payload.length >= threshold) {
    const compressed = await deflate(payload);
    // Incompressible data is stored raw: compression must never make a value larger.
    if (compressed.length < payload.length) return Buffer.concat([Buffer.of(DEFLATED), compressed]);
  }
  return Buffer.concat([Buffer.of(RAW), payload]);
}

/** Reverses `encodeValue`. */
export async function decodeValue(stored: Buffer, serializer: Serializer): Promise<unknown> {
  const marker = stored[0];
  const body = stored.subarray(1);
  if (marker === DEFLATED) return serializer.deserialize(await inflate(body));
  if (marker === RAW) return serializer.deserialize(body);
  throw new TypeError(`stored value has unknown encoding marker ${String(marker)}; was it written by @core/cache?`);
}

/** True when the stored bytes were compressed (for tests and diagnostics). */
export function isCompressed(stored: Buffer): boolean {
  return stored[0] === DEFLATED;
}
