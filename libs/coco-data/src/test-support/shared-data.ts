/**
 * Test helpers: where the shared reference data lives (`../shared` next to the repository, or
 * KESTREL_SHARED_DIR), and a describe() that skips — saying why — when it is absent.
 * The tiny-coco photos are not committed (several are NonCommercial/NoDerivs).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');

export function sharedDir(): string {
  return process.env['KESTREL_SHARED_DIR'] || resolve(REPO_ROOT, '..', 'shared');
}

export const TINY_COCO = {
  dir: join(sharedDir(), 'datasets', 'tiny-coco'),
  annotations: join(sharedDir(), 'datasets', 'tiny-coco', 'instances_train2017_small.json'),
  images: join(sharedDir(), 'datasets', 'tiny-coco', 'images'),
};

const reported = new Set<string>();

/** `describe` when the tiny-coco data exists, otherwise `describe.skip` with a printed reason. */
export function describeWithTinyCoco(name: string, body: () => void): void {
  if (existsSync(TINY_COCO.annotations) && existsSync(TINY_COCO.images)) {
    describe(name, body);
    return;
  }
  if (!reported.has(name)) {
    reported.add(name);
    console.warn(`skipping "${name}": tiny-coco not found at ${TINY_COCO.dir} (set KESTREL_SHARED_DIR to the shared folder)`);
  }
  describe.skip(name, body);
}
