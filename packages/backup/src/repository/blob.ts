import type { CodecId } from '../compress/codec';

/** What a blob holds: file content, or a folder listing (a tree). */
export type BlobType = 'data' | 'tree';

/** Where a blob is stored: pack, offset and length of its stored bytes, and how to decode them. */
export interface BlobLocation {
  id: string;
  type: BlobType;
  pack: string;
  offset: number;
  length: number;
  /** Plaintext length. */
  rawLength: number;
  codec: CodecId;
}

/** A blob as listed in a pack header or an index file: [id, type, offset, length, rawLength, codec]. */
export type BlobEntry = [id: string, type: 'd' | 't', offset: number, length: number, rawLength: number, codec: CodecId];

/** The compact form of a blob location (the pack is known from context). */
export function toEntry(blob: Omit<BlobLocation, 'pack'>): BlobEntry {
  return [blob.id, blob.type === 'data' ? 'd' : 't', blob.offset, blob.length, blob.rawLength, blob.codec];
}

/** Expands a compact entry. */
export function fromEntry(pack: string, entry: BlobEntry): BlobLocation {
  const [id, type, offset, length, rawLength, codec] = entry;
  return { id, type: type === 'd' ? 'data' : 'tree', pack, offset, length, rawLength, codec };
}
