import { SerializationError } from './errors';

/** Turns values into text or bytes for the Redis tier and back (`deserialize` gets what `serialize` made). */
export interface Serializer {
  serialize(value: unknown): string | Uint8Array;
  deserialize(data: string | Buffer): unknown;
}

const TYPE = '$core:type';
type TypeName = 'Date' | 'Map' | 'Set' | 'BigInt' | 'Buffer' | 'Object';
const TYPE_MARKER = JSON.stringify(TYPE);

function describe(path: string): string {
  return path === '' ? 'the value' : `the value at "${path}"`;
}

/** Encodes one value into JSON-safe form, tagging the types JSON cannot carry. */
function encode(value: unknown, path: string, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new SerializationError(`${describe(path)} is ${value}; JSON cannot carry it`);
      return value;
    case 'bigint':
      return { [TYPE]: 'BigInt', v: value.toString() };
    case 'undefined':
      return undefined; // dropped from objects like JSON does; rejected at the top level by the cache
    case 'function':
    case 'symbol':
      throw new SerializationError(`${describe(path)} is a ${typeof value}, which cannot be cached`);
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) throw new SerializationError(`${describe(path)} is a circular reference`);
  seen.add(object);
  try {
    if (object instanceof Date) return { [TYPE]: 'Date', v: object.getTime() };
    if (object instanceof Uint8Array) return { [TYPE]: 'Buffer', v: Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString('base64') };
    if (object instanceof Map) {
      return { [TYPE]: 'Map', v: [...object].map(([k, v], i) => [encode(k, `${path}[${i}].key`, seen), encode(v, `${path}[${i}].value`, seen)]) };
    }
    if (object instanceof Set) return { [TYPE]: 'Set', v: [...object].map((v, i) => encode(v, `${path}[${i}]`, seen)) };
    if (Array.isArray(object)) return object.map((v, i) => (v === undefined ? null : encode(v, `${path}[${i}]`, seen)));
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      throw new SerializationError(
        `${describe(path)} is an instance of ${proto?.constructor?.name ?? 'a class'}; only plain objects, arrays, Date, Map, Set, BigInt and Buffer round-trip. Pass your own serializer for other types`,
      );
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(object)) {
      const encoded = encode(v, path ? `${path}.${k}` : k, seen);
      if (encoded !== undefined) out[k] = encoded;
    }
    // A user object that happens to use our tag key is wrapped so it cannot be mistaken for a tag.
    return TYPE in out ? { [TYPE]: 'Object', v: out } : out;
  } finally {
    seen.delete(object);
  }
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const type = record[TYPE] as TypeName | undefined;
  if (type !== undefined && Object.keys(record).length === 2 && 'v' in record) {
    const v = record.v;
    switch (type) {
      case 'Date':
        return new Date(v as number);
      case 'BigInt':
        return BigInt(v as string);
      case 'Buffer':
        return Buffer.from(v as string, 'base64');
      case 'Map':
        return new Map((v as [unknown, unknown][]).map(([k, val]) => [decode(k), decode(val)]));
      case 'Set':
        return new Set((v as unknown[]).map(decode));
      case 'Object':
        return decodeEntries(v as Record<string, unknown>);
    }
  }
  return decodeEntries(record);
}

function decodeEntries(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = decode(v);
  return out;
}

/**
 * The default serializer: JSON, plus `Date`, `Map`, `Set`, `BigInt` and `Buffer` that round-trip.
 * Functions, symbols, class instances, non-finite numbers and cycles are rejected with
 * `SerializationError` naming where in the value they are.
 */
export const jsonSerializer: Serializer = {
  serialize(value) {
    // Strings are the common case and need no walk.
    return JSON.stringify(typeof value === 'string' ? value : encode(value, '', new Set()));
  },
  deserialize(data) {
    try {
      const text = typeof data === 'string' ? data : data.toString('utf8');
      const parsed: unknown = JSON.parse(text);
      // Only values that carried a special type need the decoding walk.
      return text.includes(TYPE_MARKER) ? decode(parsed) : parsed;
    } catch (error) {
      throw new SerializationError('stored data is not valid JSON for this serializer', { cause: error });
    }
  },
};
