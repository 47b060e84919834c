import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, rawToTensor, type StateDict } from '@kestrel/runtime';
import type { ResNet } from './resnet';

/**
 * torchvision ResNet names → Kestrel names. Kestrel keeps each conv's norm inside the conv
 * block, so torchvision's `bnN` becomes `convN.norm` and the `downsample` Sequential's
 * `0` (conv) / `1` (bn) become `downsample` / `downsample.norm`:
 *
 *   conv1.weight                      → conv1.weight                (OIHW → HWIO)
 *   bn1.{weight,bias,running_*}       → conv1.norm.{…}
 *   layerL.B.convN.weight             → layerL.B.convN.weight       (OIHW → HWIO)
 *   layerL.B.bnN.{…}                  → layerL.B.convN.norm.{…}
 *   layerL.B.downsample.0.weight      → layerL.B.downsample.weight  (OIHW → HWIO)
 *   layerL.B.downsample.1.{…}         → layerL.B.downsample.norm.{…}
 *   fc.*                              → not used (classifier)
 *
 * Returns undefined for keys with no Kestrel counterpart.
 */
export function kestrelKeyForTorchvision(key: string): string | undefined {
  if (key.startsWith('fc.')) return undefined;
  if (key.startsWith('bn1.')) return `conv1.norm.${key.slice(4)}`;
  const bn = /^(layer\d+\.\d+)\.bn(\d)\.(.+)$/.exec(key);
  if (bn) return `${bn[1]}.conv${bn[2]}.norm.${bn[3]}`;
  const down = /^(layer\d+\.\d+)\.downsample\.([01])\.(.+)$/.exec(key);
  if (down) return down[2] === '0' ? `${down[1]}.downsample.${down[3]}` : `${down[1]}.downsample.norm.${down[3]}`;
  return key;
}

export interface TorchvisionImportReport {
  /** Kestrel names that received a value. */
  loaded: string[];
  /** File entries not used (the classifier, counters the target norm does not keep). */
  ignored: string[];
}

/**
 * Loads torchvision-layout ResNet weights (a safetensors export of `resnet18/34/50/101`'s
 * state_dict) into a Kestrel ResNet of the same depth and width. Conv filters are transposed
 * from PyTorch's OIHW to TF's HWIO; padding already matches (symmetric, as in PyTorch). Every
 * backbone parameter and buffer must be present in the file; mismatched shapes are errors that
 * name the tensor.
 */
export async function loadTorchvisionResNet(model: ResNet, file: string): Promise<TorchvisionImportReport> {
  const contents = decodeSafetensors(new Uint8Array(await readFile(file)), file);
  const snapshot = model.stateDict();
  // Norm training state (CBN history, step counters) is not part of pretrained weights.
  const wanted = new Set(Object.keys(snapshot).filter((k) => !k.includes('._extra_state.')));
  // stateDict() returned new handles: only the names were needed.
  tf.dispose(Object.values(snapshot));
  const dict: StateDict = {};
  const ignored: string[] = [];
  try {
    for (const [key, raw] of contents.tensors) {
      const target = kestrelKeyForTorchvision(key);
      if (target === undefined || !wanted.has(target)) {
        ignored.push(key);
        continue;
      }
      const tensor = rawToTensor(raw, key, file);
      dict[target] = tensor.rank === 4 ? tf.tidy(() => tf.transpose(tensor, [2, 3, 1, 0])) : tensor;
      if (tensor.rank === 4) tensor.dispose();
    }
    const missing = [...wanted].filter((k) => !(k in dict));
    if (missing.length > 0) {
      throw new Error(`${file}: torchvision ResNet weights lack ${missing.length} tensor(s) the model needs, e.g. ${missing.slice(0, 5).join(', ')}`);
    }
    model.loadStateDict(dict, { strict: false });
    return { loaded: Object.keys(dict), ignored };
  } finally {
    tf.dispose(Object.values(dict));
  }
}
