import type { Repository } from '../../repository/repository';
import { ChunkHasher } from '../../crypto/chunk-hasher';

/** Files at least this large are hashed on a worker thread while this thread compresses and encrypts. */
const WORKER_FILE_BYTES = 4 * 1024 * 1024;
/** Chunks hashed ahead of the one being stored. */
const IN_FLIGHT = 8;

/** The hashers a base backup shares between files: inline for small ones, one worker thread for large ones. */
export interface Hashers {
  inline: ChunkHasher;
  worker: ChunkHasher | undefined;
  macKey: Buffer | undefined;
}

/**
 * Stores one file of the tar stream in fixed chunks of `chunkBytes` (whole pages): blob ids and the file's
 * SHA-256 come from a hasher (a worker thread for large files) while this thread stores the chunks before.
 */
export async function storeFile(
  repository: Repository,
  bytes: AsyncIterable<Buffer>,
  expectedSize: number,
  chunkBytes: number,
  hashers: Hashers,
  keep: boolean,
  stored: (bytes: number, isNew: boolean) => void,
): Promise<{ size: number; content: string[]; sha256: string; kept: Buffer | undefined }> {
  const hasher = expectedSize >= WORKER_FILE_BYTES ? (hashers.worker ??= new ChunkHasher(hashers.macKey)) : hashers.inline;
  const file = hasher.openFile();
  const content: string[] = [];
  const keptPieces: Buffer[] = [];
  const queue: Array<{ chunk: Buffer; id: Promise<string> }> = [];
  let size = 0;
  const take = (chunk: Buffer): void => {
    const id = hasher.chunkId(file, chunk);
    id.catch(() => undefined); // awaited in order below
    queue.push({ chunk, id });
    if (keep) keptPieces.push(Buffer.from(chunk));
  };
  const storeOne = async (): Promise<void> => {
    const { chunk, id } = queue.shift()!;
    const saved = await repository.saveBlob('data', chunk, await id);
    content.push(saved.id);
    stored(chunk.length, saved.isNew);
  };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of bytes) {
    size += piece.length;
    pending.push(piece);
    pendingBytes += piece.length;
    if (pendingBytes < chunkBytes) continue;
    const data = Buffer.concat(pending, pendingBytes);
    let offset = 0;
    for (; data.length - offset >= chunkBytes; offset += chunkBytes) take(data.subarray(offset, offset + chunkBytes));
    pending = offset < data.length ? [data.subarray(offset)] : [];
    pendingBytes = data.length - offset;
    while (queue.length >= IN_FLIGHT) await storeOne();
  }
  if (pendingBytes > 0) take(Buffer.concat(pending, pendingBytes));
  while (queue.length > 0) await storeOne();
  return { size, content, sha256: await hasher.fileSha256(file), kept: keep ? Buffer.concat(keptPieces) : undefined };
}
