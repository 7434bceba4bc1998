import { createHmac } from 'node:crypto';
import type { ChunkerParams } from '../chunker/fastcdc';
import type { CompressionOptions } from '../compress/codec';
import { IntegrityError, UnsupportedVersionError } from '../errors';

/** The repository format version this package writes and the newest it reads. */
export const FORMAT_VERSION = 1;

/** The repository's `config` file (plain JSON: it must be readable before any key opens). */
export interface RepositoryConfig {
  format: 'core-backup';
  version: number;
  id: string;
  created: string;
  encrypted: boolean;
  chunker: ChunkerParams;
  /** Target pack size in bytes. */
  packSize: number;
  compression: CompressionOptions;
  /** base64 gear seed; only in unencrypted repositories (encrypted ones derive it from the master key). */
  gearSeed?: string;
  /** HMAC-SHA256 of the other fields under the MAC key (encrypted repositories): tampering is detected at open. */
  mac?: string;
}

function canonical(config: RepositoryConfig): string {
  const { mac: _mac, ...rest } = config;
  return JSON.stringify(rest, Object.keys(rest).sort());
}

/** Signs the config with the repository's MAC key. */
export function signConfig(config: RepositoryConfig, macKey: Buffer): RepositoryConfig {
  return { ...config, mac: createHmac('sha256', macKey).update(canonical(config)).digest('hex') };
}

/** Checks a signed config; a mismatch means the config was changed outside this package. */
export function verifyConfig(config: RepositoryConfig, macKey: Buffer): void {
  const expected = createHmac('sha256', macKey).update(canonical(config)).digest('hex');
  if (config.mac !== expected) throw new IntegrityError('the repository config does not match its MAC: it was modified outside @core/backup', { object: 'config' });
}

/** Parses `config` bytes and refuses versions this package cannot read. */
export function parseConfig(bytes: Buffer): RepositoryConfig {
  let config: RepositoryConfig;
  try {
    config = JSON.parse(bytes.toString('utf8')) as RepositoryConfig;
  } catch (error) {
    throw new IntegrityError('the repository config is not valid JSON', { object: 'config' }, { cause: error });
  }
  if (config.format !== 'core-backup') throw new IntegrityError('the config does not belong to a @core/backup repository', { object: 'config' });
  if (typeof config.version !== 'number' || config.version > FORMAT_VERSION) throw new UnsupportedVersionError(config.version, FORMAT_VERSION);
  return config;
}
