import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The two native TF.js packages, best first. Both register the `tensorflow` backend. */
export const NATIVE_PROVIDERS = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
export type NativeProvider = (typeof NATIVE_PROVIDERS)[number];

export type NativeProbe =
  | { ok: true; provider: NativeProvider; bindingPath: string }
  | { ok: false; provider: NativeProvider; reason: string };

/**
 * Checks that a tfjs-node package is installed *and* its native binding loads, without
 * requiring the package itself. Requiring tfjs-node when its binding is missing registers
 * ~155 kernels before it throws, which leaves TF.js half-initialised; so we resolve the
 * binding path the way node-pre-gyp does and load only the `.node` file first.
 * `searchPaths` overrides where the package is looked up (default: from Kestrel itself).
 */
export function probeNativeProvider(provider: NativeProvider, searchPaths?: string[]): NativeProbe {
  let packageJson: string;
  try {
    packageJson = require.resolve(`${provider}/package.json`, searchPaths ? { paths: searchPaths } : undefined);
  } catch {
    return { ok: false, provider, reason: 'not installed (optional dependency; its install step downloads libtensorflow)' };
  }
  let bindingPath: string;
  try {
    const preGyp = require(require.resolve('@mapbox/node-pre-gyp', { paths: [dirname(packageJson)] })) as {
      find(packageJsonPath: string): string;
    };
    bindingPath = preGyp.find(packageJson);
  } catch (err) {
    return { ok: false, provider, reason: `cannot locate its native binding: ${(err as Error).message}` };
  }
  if (!existsSync(bindingPath)) {
    return { ok: false, provider, reason: `native binding missing at ${bindingPath} (libtensorflow was not downloaded)` };
  }
  const ourCore = require.resolve('@tensorflow/tfjs-core');
  let theirCore: string;
  try {
    theirCore = require.resolve('@tensorflow/tfjs-core', { paths: [dirname(packageJson)] });
  } catch {
    theirCore = '';
  }
  if (theirCore !== ourCore) {
    return { ok: false, provider, reason: `uses a different @tensorflow/tfjs-core (${theirCore || 'none'}) than Kestrel (${ourCore})` };
  }
  try {
    require(bindingPath);
  } catch (err) {
    return { ok: false, provider, reason: `native binding failed to load: ${(err as Error).message.split('\n')[0]}` };
  }
  return { ok: true, provider, bindingPath: join(bindingPath) };
}
