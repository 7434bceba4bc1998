import { open } from 'node:fs/promises';

/** Flushes a file's data (and the size that finds it) to the device. */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * Flushes a folder's entries, making a rename into it durable. Windows cannot open a folder for this
 * and makes renames durable itself, so the refusal there is ignored.
 */
export async function syncDir(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (process.platform === 'win32' && (error as NodeJS.ErrnoException).code === 'EISDIR') return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
