/**
 * Rough size in bytes of a cached value, used for `maxBytes`. Cheap for strings and buffers; objects
 * are measured by their JSON length (computed once per set). Pass your own `sizeOf` for precision.
 */
export function estimateSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return 2 * value.length + 16;
    case 'number':
    case 'boolean':
    case 'bigint':
      return 16;
    case 'undefined':
      return 8;
    default:
      if (value === null) return 8;
      if (value instanceof Uint8Array) return value.byteLength + 32;
      try {
        return 2 * (JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))?.length ?? 0) + 32;
      } catch {
        return 1024; // cycles: count a nominal size rather than failing the write
      }
  }
}
