import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** The keys one repository works with, all derived from its random master key. */
export interface RepositoryKeys {
  /** AES-256-GCM key for every blob and file; absent in an unencrypted repository. */
  encryption: Buffer | undefined;
  /** Keys blob ids (HMAC-SHA256); absent in an unencrypted repository (plain SHA-256 then). */
  mac: Buffer | undefined;
  /** Seeds the chunker's gear table, so chunk boundaries say nothing about content. */
  gearSeed: Buffer;
}

/** A new random master key (32 bytes). */
export function newMasterKey(): Buffer {
  return randomBytes(32);
}

/** Derives the encryption, MAC and chunker keys from a master key (HKDF-SHA256, one label each). */
export function deriveKeys(master: Buffer, repositoryId: string): RepositoryKeys {
  const derive = (label: string) => Buffer.from(hkdfSync('sha256', master, Buffer.from(repositoryId), `core-backup/${label}`, 32));
  return { encryption: derive('aes-256-gcm'), mac: derive('blob-id'), gearSeed: derive('gear') };
}

/** The keys of an unencrypted repository: no secrets, the gear seed is stored in its config. */
export function plainKeys(gearSeed: Buffer): RepositoryKeys {
  return { encryption: undefined, mac: undefined, gearSeed };
}

/** A blob's id: HMAC-SHA256 of its plaintext under the repository's MAC key, or SHA-256 without one. */
export function blobId(keys: RepositoryKeys, plaintext: Uint8Array): string {
  return (keys.mac ? createHmac('sha256', keys.mac) : createHash('sha256')).update(plaintext).digest('hex');
}

/** SHA-256 of bytes, hex: the name of every stored file (pack, index, snapshot) is the hash of its bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
