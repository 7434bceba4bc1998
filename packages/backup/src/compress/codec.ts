import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type * as ZstdModule from 'zstd-napi';
import { CodecUnavailableError } from '../errors';

/** How a blob's bytes are compressed: `z` zstd, `b` brotli, `n` stored as they are. */
export type CodecId = 'z' | 'b' | 'n';

/** The compression a repository writes with. */
export interface CompressionOptions {
  /** `zstd` (default when zstd-napi is installed), `brotli` (built in), or `none`. */
  codec: 'zstd' | 'brotli' | 'none';
  /** zstd 1-19 (default 3) or brotli quality 0-11 (default 1). */
  level?: number;
}

type Zstd = typeof ZstdModule;

let zstd: Zstd | null | undefined;

/** Loads the optional zstd-napi once; null when it is not installed. */
export async function loadZstd(): Promise<Zstd | null> {
  if (zstd === undefined) {
    try {
      zstd = await import('zstd-napi');
    } catch {
      zstd = null;
    }
  }
  return zstd;
}

/** Compresses and decompresses blobs with the repository's codec; a blob that does not shrink by 3 % is stored raw. */
export class Codec {
  private constructor(
    private readonly options: CompressionOptions,
    private readonly zstdModule: Zstd | null,
  ) {}

  /** Resolves the codec; asking for zstd without zstd-napi is a `CodecUnavailableError`. */
  static async create(options: CompressionOptions): Promise<Codec> {
    const module = await loadZstd();
    if (options.codec === 'zstd' && !module) throw new CodecUnavailableError('zstd');
    return new Codec(options, module);
  }

  /** The codec a new repository gets: zstd when installed, else brotli at quality 1. */
  static async defaultOptions(): Promise<CompressionOptions> {
    return (await loadZstd()) ? { codec: 'zstd', level: 3 } : { codec: 'brotli', level: 1 };
  }

  /** Compresses `raw`, or returns it as `n` when compression does not pay. */
  compress(raw: Uint8Array): { codec: CodecId; bytes: Uint8Array } {
    if (this.options.codec === 'none' || raw.length < 128) return { codec: 'n', bytes: raw };
    const packed =
      this.options.codec === 'zstd'
        ? this.zstdModule!.compress(raw, { compressionLevel: this.options.level ?? 3 })
        : brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: this.options.level ?? 1, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
    return packed.length <= raw.length * 0.97 ? { codec: this.options.codec === 'zstd' ? 'z' : 'b', bytes: packed } : { codec: 'n', bytes: raw };
  }

  /** Reverses `compress`; zstd data without zstd-napi is a `CodecUnavailableError`. */
  decompress(codec: CodecId, bytes: Uint8Array): Buffer {
    if (codec === 'n') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (codec === 'b') return brotliDecompressSync(bytes);
    if (!this.zstdModule) throw new CodecUnavailableError('zstd');
    return this.zstdModule.decompress(bytes);
  }
}
