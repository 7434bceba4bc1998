import { randomBytes, scrypt } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { open, seal } from './seal';

/** scrypt cost parameters of a key file. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** The defaults of the format: N = 2^16, r = 8, p = 1 (about 64 MiB and 0.1-0.3 s per try). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 16, r: 8, p: 1 };

/** A key file as stored under `keys/`: the master key wrapped by a passphrase. */
export interface KeyFile {
  created: string;
  host: string;
  username: string;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  /** base64 of AES-256-GCM(scrypt(passphrase, salt), master key). */
  data: string;
}

const AAD = Buffer.from('core-backup/key');

function derive(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node's default maxmem (32 MiB) is below that for N = 2^16.
  const maxmem = 256 * params.N * params.r + 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, { ...params, maxmem }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** Wraps `master` with `passphrase` into a new key file. */
export async function wrapMasterKey(master: Buffer, passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<KeyFile> {
  const salt = randomBytes(32);
  const kek = await derive(passphrase, salt, params);
  let username = 'unknown';
  try {
    username = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return {
    created: new Date().toISOString(),
    host: hostname(),
    username,
    kdf: 'scrypt',
    ...params,
    salt: salt.toString('base64'),
    data: seal(kek, master, AAD).toString('base64'),
  };
}

/** Unwraps the master key, or undefined when the passphrase does not open this key file. */
export async function unwrapMasterKey(file: KeyFile, passphrase: string): Promise<Buffer | undefined> {
  const kek = await derive(passphrase, Buffer.from(file.salt, 'base64'), { N: file.N, r: file.r, p: file.p });
  return open(kek, Buffer.from(file.data, 'base64'), AAD);
}
