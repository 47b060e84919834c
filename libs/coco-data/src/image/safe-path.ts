import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ImageLoadError } from '../errors';

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * Resolves a COCO `file_name` strictly inside `imagesRoot`: no absolute paths, no `..`
 * segments, and no symbolic link that leads outside the root. Returns the real path.
 * Synchronous on purpose (two cheap `realpath` calls): the loader then hands sharp one
 * request per image, which completes in the background even while a synchronous training
 * step holds the main thread.
 */
export function resolveImagePath(imagesRoot: string, fileName: string): string {
  const shown = resolve(imagesRoot, fileName);
  if (typeof fileName !== 'string' || fileName.length === 0 || fileName.includes('\0')) {
    throw new ImageLoadError(String(fileName), 'file_name must be a non-empty relative path');
  }
  if (isAbsolute(fileName) || /^[a-zA-Z]:/.test(fileName) || fileName.startsWith('\\')) {
    throw new ImageLoadError(fileName, `file_name must be relative to the images root ${imagesRoot}, not an absolute path`);
  }
  if (fileName.split(/[\\/]/).includes('..')) {
    throw new ImageLoadError(fileName, `file_name must stay inside the images root ${imagesRoot} (".." is not allowed)`);
  }
  let realRoot: string;
  try {
    realRoot = realpathSync(imagesRoot);
  } catch (error) {
    throw new ImageLoadError(imagesRoot, 'images root folder not found', { cause: error });
  }
  let real: string;
  try {
    real = realpathSync(shown);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImageLoadError(shown, code === 'ENOENT' ? 'image file not found' : `cannot access image (${code})`, { cause: error });
  }
  if (!isInside(realRoot, real)) {
    throw new ImageLoadError(shown, `resolves to ${real}, outside the images root ${realRoot} (symbolic link?)`);
  }
  return real;
}
