/**
 * Crash-safe file replacement: write a temp file in the target's directory, fsync it, rename it
 * over the target (atomic on POSIX within one file system), then fsync the directory so the rename
 * itself survives a power loss. A crash at any point leaves either the old or the new file at the
 * target path, never a partial one; at worst a stray temp file remains (see `isTempFileName`).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_MARKER = '.tmp-';

/** Temp names are hidden (leading dot) and carry `.tmp-<pid>-<random>`, so no pattern for real files matches them. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}${TEMP_MARKER}${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** True for names produced by `tempPathFor` (e.g. left behind by a killed writer). */
export function isTempFileName(fileName: string): boolean {
  return fileName.startsWith('.') && fileName.includes(TEMP_MARKER);
}

async function fsyncDirectory(dir: string): Promise<void> {
  // Windows cannot open directories for fsync; NTFS journals the rename anyway.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems (e.g. certain network mounts) do not support fsync on directories.
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
  } finally {
    await handle.close();
  }
}

/** Replaces `target` with the concatenation of `chunks`, atomically (see the module comment). */
export async function writeFileAtomic(target: string, chunks: readonly Uint8Array[]): Promise<void> {
  const tempPath = tempPathFor(target);
  const handle = await open(tempPath, 'wx', 0o644);
  let isOpen = true;
  try {
    for (const chunk of chunks) {
      let written = 0;
      while (written < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, written, chunk.byteLength - written);
        written += bytesWritten;
      }
    }
    await handle.sync();
    isOpen = false;
    await handle.close();
    await rename(tempPath, target);
  } catch (error) {
    if (isOpen) await handle.close().catch(() => undefined);
    await rm(tempPath, { force: true });
    throw error;
  }
  await fsyncDirectory(dirname(target));
}
