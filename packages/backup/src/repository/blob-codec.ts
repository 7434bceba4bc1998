import { blobId } from '../crypto/master-key';
import type { RepositoryKeys } from '../crypto/master-key';
import { open, seal } from '../crypto/seal';
import type { Codec } from '../compress/codec';
import { IntegrityError } from '../errors';
import type { BlobLocation, BlobType } from './blob';
import type { EncodedBlob } from './pack-writer';

/** Hashes, compresses and seals one blob (blob id as the AEAD's additional data). */
export function encodeBlob(keys: RepositoryKeys, codec: Codec, type: BlobType, plaintext: Uint8Array, id = blobId(keys, plaintext)): EncodedBlob {
  const compressed = codec.compress(plaintext);
  const bytes = keys.encryption ? seal(keys.encryption, compressed.bytes, Buffer.from(id, 'hex')) : compressed.bytes;
  return { location: { id, type, length: bytes.length, rawLength: plaintext.length, codec: compressed.codec }, bytes };
}

/**
 * Opens, decompresses and checks one blob against its id; any mismatch is an `IntegrityError` naming blob
 * and pack. `checkId: false` skips recomputing the id, for callers that check a whole-file SHA-256 anyway
 * (the AEAD has already authenticated the bytes under this id).
 */
export function decodeBlob(keys: RepositoryKeys, codec: Codec, location: BlobLocation, stored: Buffer, checkId = true): Buffer {
  const where = { blob: location.id, pack: location.pack };
  const compressed = keys.encryption ? open(keys.encryption, stored, Buffer.from(location.id, 'hex')) : stored;
  if (!compressed) throw new IntegrityError(`blob ${location.id.slice(0, 12)} in pack ${location.pack.slice(0, 12)} does not authenticate: the pack is damaged`, where);
  let plaintext: Buffer;
  try {
    plaintext = codec.decompress(location.codec, compressed);
  } catch (error) {
    if (error instanceof Error && error.name === 'CodecUnavailableError') throw error;
    throw new IntegrityError(`blob ${location.id.slice(0, 12)} in pack ${location.pack.slice(0, 12)} does not decompress: the pack is damaged`, where, { cause: error });
  }
  if (plaintext.length !== location.rawLength || ((checkId || !keys.encryption) && blobId(keys, plaintext) !== location.id)) {
    throw new IntegrityError(`blob ${location.id.slice(0, 12)} in pack ${location.pack.slice(0, 12)} does not match its id: the pack is damaged`, where);
  }
  return plaintext;
}
