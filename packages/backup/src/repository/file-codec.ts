import { sha256Hex } from '../crypto/master-key';
import { open, seal } from '../crypto/seal';
import type { Codec, CodecId } from '../compress/codec';
import { IntegrityError } from '../errors';

/** Encodes and decodes the repository's JSON files (index, snapshots, ledger) and pack headers: compressed, then sealed. */
export class FileCodec {
  constructor(
    private readonly key: Buffer | undefined,
    private readonly codec: Codec,
  ) {}

  /** Bytes to store for `value`, and their name (the SHA-256 of those bytes). */
  encode(kind: string, value: unknown): { id: string; bytes: Buffer } {
    const { codec, bytes } = this.codec.compress(Buffer.from(JSON.stringify(value)));
    const payload = Buffer.concat([Buffer.from(codec), bytes]);
    const stored = this.key ? seal(this.key, payload, Buffer.from(kind)) : payload;
    return { id: sha256Hex(stored), bytes: stored };
  }

  /** Decodes what `encode` wrote; `id`, when given, must be the SHA-256 of the bytes. */
  decode<T>(kind: string, bytes: Buffer, id?: string): T {
    const where = { object: id ? `${kind}/${id}` : kind };
    if (id !== undefined && sha256Hex(bytes) !== id) throw new IntegrityError(`${where.object} does not match its name (SHA-256): it is damaged`, where);
    const payload = this.key ? open(this.key, bytes, Buffer.from(kind)) : bytes;
    if (!payload || payload.length < 1) throw new IntegrityError(`${where.object} cannot be authenticated: it is damaged or truncated`, where);
    try {
      return JSON.parse(this.codec.decompress(payload.subarray(0, 1).toString() as CodecId, payload.subarray(1)).toString('utf8')) as T;
    } catch (error) {
      if (error instanceof Error && error.name === 'CodecUnavailableError') throw error;
      throw new IntegrityError(`${where.object} does not decode: it is damaged`, where, { cause: error });
    }
  }
}
