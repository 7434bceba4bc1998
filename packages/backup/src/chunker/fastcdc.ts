import { InvalidOptionsError } from '../errors';

/** Chunk size bounds, in bytes. */
export interface ChunkerParams {
  min: number;
  avg: number;
  max: number;
}

/** The format's defaults: min 512 KiB, average 1 MiB, max 8 MiB. */
export const DEFAULT_CHUNKER: ChunkerParams = { min: 512 * 1024, avg: 1024 * 1024, max: 8 * 1024 * 1024 };

/** A mask of `ones` one-bits spread over the 32-bit word from the top (wider windows than packed low bits). */
function spreadMask(ones: number): number {
  let mask = 0;
  for (let i = 0; i < ones; i++) mask |= 1 << (31 - Math.floor((i * 32) / ones));
  return mask >>> 0;
}

/** The masks of FastCDC's normalized chunking (level 2): harder to match before `avg`, easier after. */
export interface Masks {
  small: number;
  large: number;
}

/** Checks `params` and derives the masks; bad bounds are an `InvalidOptionsError` naming the field. */
export function chunkerMasks(params: ChunkerParams): Masks {
  const { min, avg, max } = params;
  for (const [field, value] of Object.entries(params)) {
    if (!Number.isInteger(value) || value < 64) throw new InvalidOptionsError(`chunker.${field} must be an integer ≥ 64 bytes (got ${String(value)})`);
  }
  if (!(min < avg && avg < max)) throw new InvalidOptionsError(`chunker sizes must satisfy min < avg < max (got ${min} / ${avg} / ${max})`);
  const bits = Math.round(Math.log2(avg));
  if (bits + 2 > 32) throw new InvalidOptionsError(`chunker.avg must be at most 1 GiB (got ${avg})`);
  return { small: spreadMask(bits + 2), large: spreadMask(bits - 2) };
}

/**
 * FastCDC (Xia et al., 2016/2020): length of the chunk that starts at `start` in `data`, looking at most
 * `max` bytes ahead. Skips the first `min` bytes (cut-point skipping), then rolls the Gear hash and cuts
 * where its masked bits are all zero: with the small-chunk mask up to `avg`, the large-chunk mask after.
 */
export function cutPoint(data: Uint8Array, start: number, end: number, params: ChunkerParams, masks: Masks, gear: Uint32Array): number {
  const length = end - start;
  if (length <= params.min) return length;
  const limit = start + Math.min(length, params.max);
  const normal = start + Math.min(params.avg, limit - start);
  let hash = 0;
  let i = start + params.min;
  const small = masks.small;
  for (; i < normal; i++) {
    hash = ((hash << 1) + gear[data[i]!]!) | 0;
    if ((hash & small) === 0) return i - start + 1;
  }
  const large = masks.large;
  for (; i < limit; i++) {
    hash = ((hash << 1) + gear[data[i]!]!) | 0;
    if ((hash & large) === 0) return i - start + 1;
  }
  return limit - start;
}
