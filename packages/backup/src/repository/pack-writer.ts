import { randomBytes, randomInt } from 'node:crypto';
import { IntegrityError } from '../errors';
import type { FileCodec } from './file-codec';
import type { BlobEntry, BlobLocation } from './blob';
import { toEntry } from './blob';

/** A blob ready to go into a pack: its stored (compressed, sealed) bytes and how to read them back. */
export interface EncodedBlob {
  location: Omit<BlobLocation, 'pack' | 'offset'>;
  bytes: Uint8Array;
}

/** A finished pack: its bytes, its random id and the entries of its blobs. */
export interface FinishedPack {
  id: string;
  bytes: Buffer;
  entries: BlobEntry[];
}

/**
 * Collects blobs until the target size, then lays them out in random order (so a pack does not mirror
 * file order) followed by the sealed header and its 4-byte length: [blob]… [header] [u32 LE header length].
 */
export class PackWriter {
  private pending: EncodedBlob[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly targetSize: number,
    private readonly files: FileCodec,
  ) {}

  /** Adds a blob; returns a finished pack when the target size is reached. */
  add(blob: EncodedBlob): FinishedPack | undefined {
    this.pending.push(blob);
    this.pendingBytes += blob.bytes.length;
    return this.pendingBytes >= this.targetSize ? this.finish() : undefined;
  }

  /** Bytes waiting for the next pack. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Writes out what is pending as a pack, or undefined when nothing is. */
  finish(): FinishedPack | undefined {
    if (this.pending.length === 0) return undefined;
    const blobs = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (let i = blobs.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [blobs[i], blobs[j]] = [blobs[j]!, blobs[i]!];
    }
    const entries: BlobEntry[] = [];
    let offset = 0;
    for (const blob of blobs) {
      entries.push(toEntry({ ...blob.location, offset }));
      offset += blob.bytes.length;
    }
    const header = this.files.encode('pack-header', entries).bytes;
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(header.length);
    const bytes = Buffer.concat([...blobs.map((blob) => blob.bytes), header, trailer]);
    // A random name, not the SHA-256 of the bytes as restic does: each blob and the header authenticate
    // themselves (AES-GCM) and the storage keeps its own checksum, so hashing every pack once more would
    // only cost time (a fifth of a backup's CPU).
    return { id: randomBytes(32).toString('hex'), bytes, entries };
  }
}

/** Reads a pack's header from its bytes (or its tail): the blob entries it lists. */
export function readPackHeader(files: FileCodec, tail: Buffer): BlobEntry[] {
  if (tail.length < 4) throw new IntegrityError('the pack is too short to hold a header', {});
  const length = tail.readUInt32LE(tail.length - 4);
  if (length + 4 > tail.length) throw new IntegrityError(`the pack's header length (${length}) exceeds the pack`, {});
  return files.decode<BlobEntry[]>('pack-header', tail.subarray(tail.length - 4 - length, tail.length - 4));
}
