import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { jsonSerializer, type Serializer } from '../serializer';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/**
 * First character of every stored value says how the rest is encoded, so reads never guess. Values
 * travel as strings: string replies are node-redis's fast path, and only compressed or binary payloads
 * pay for base64.
 */
const TEXT = 'r';
const BINARY = 'b';
const DEFLATED_TEXT = 'z';
const DEFLATED_BINARY = 'y';
/** A plain string under the default serializer is stored as itself: no JSON quoting and escaping. */
const STRING = 's';
const DEFLATED_STRING = 'x';

/** Serializes, deflates when the payload reaches `threshold` bytes (and shrinks), and marks which it did. */
export async function encodeValue(value: unknown, serializer: Serializer, threshold: number): Promise<string> {
  const plainString = typeof value === 'string' && serializer === jsonSerializer;
  const serialized = plainString ? (value as string) : serializer.serialize(value);
  const isText = typeof serialized === 'string';
  // A string of under threshold/3 UTF-16 units is under threshold UTF-8 bytes: skip the count.
  const size = isText ? (serialized.length * 3 < threshold ? 0 : Buffer.byteLength(serialized)) : serialized.byteLength;
  if (size >= threshold) {
    const payload = isText ? Buffer.from(serialized, 'utf8') : Buffer.from(serialized);
    const compressed = await deflate(payload);
    // Incompressible data is stored as is: compression must never make a value larger.
    const marker = plainString ? DEFLATED_STRING : isText ? DEFLATED_TEXT : DEFLATED_BINARY;
    if (compressed.length * 4 < payload.length * 3) return marker + compressed.toString('base64');
  }
  if (plainString) return STRING + serialized;
  return isText ? TEXT + serialized : BINARY + Buffer.from(serialized).toString('base64');
}

/** Reverses `encodeValue`: synchronous unless the value must be inflated (then a promise). */
export function decodeValue(stored: string, serializer: Serializer): unknown {
  const body = stored.slice(1);
  switch (stored[0]) {
    case STRING:
      return body;
    case DEFLATED_STRING:
      return inflate(Buffer.from(body, 'base64')).then((data) => data.toString('utf8'));
    case TEXT:
      return serializer.deserialize(body);
    case BINARY:
      return serializer.deserialize(Buffer.from(body, 'base64'));
    case DEFLATED_TEXT:
      return inflate(Buffer.from(body, 'base64')).then((data) => serializer.deserialize(data.toString('utf8')));
    case DEFLATED_BINARY:
      return inflate(Buffer.from(body, 'base64')).then((data) => serializer.deserialize(data));
    default:
      throw new TypeError(`stored value has unknown encoding marker "${stored[0] ?? ''}"; was it written by @core/cache?`);
  }
}

/** True when the stored value was compressed (for tests and diagnostics). */
export function isCompressed(stored: string): boolean {
  return stored[0] === DEFLATED_TEXT || stored[0] === DEFLATED_BINARY || stored[0] === DEFLATED_STRING;
}
