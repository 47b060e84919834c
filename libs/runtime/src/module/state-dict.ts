import type * as tf from '@tensorflow/tfjs-core';

/**
 * Flat map from dotted names (`backbone.layer1.0.conv1.weight`) to tensors, like PyTorch's
 * state_dict. A dict returned by `Module.stateDict()` is owned by the caller: dispose it with
 * {@link disposeStateDict} once saved.
 */
export type StateDict = Record<string, tf.Tensor>;

/** Key segment under which a module's `getExtraState()` tensors are stored (`bn1._extra_state.x`). */
export const EXTRA_STATE_KEY = '_extra_state';

export interface LoadStateDictOptions {
  /** When true (default), missing or unexpected keys are errors. Shape/dtype mismatches always are. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export interface StateDictMismatch {
  key: string;
  expected: { shape: number[]; dtype: string };
  got: { shape: number[]; dtype: string };
}

function describe(entry: { shape: number[]; dtype: string }): string {
  return `[${entry.shape.join(', ')}] ${entry.dtype}`;
}

/** Thrown by `loadStateDict`; nothing is modified when it is thrown. */
export class StateDictError extends Error {
  constructor(
    readonly moduleName: string,
    readonly missingKeys: readonly string[],
    readonly unexpectedKeys: readonly string[],
    readonly mismatches: readonly StateDictMismatch[],
  ) {
    const lines = [`Error(s) in loading state dict for ${moduleName}:`];
    if (missingKeys.length > 0) lines.push(`  Missing key(s): ${missingKeys.map((k) => JSON.stringify(k)).join(', ')}`);
    if (unexpectedKeys.length > 0) {
      lines.push(`  Unexpected key(s): ${unexpectedKeys.map((k) => JSON.stringify(k)).join(', ')}`);
    }
    for (const m of mismatches) {
      lines.push(`  ${JSON.stringify(m.key)}: expected ${describe(m.expected)}, got ${describe(m.got)}`);
    }
    super(lines.join('\n'));
    this.name = 'StateDictError';
  }
}

/** Disposes every tensor of a state dict (e.g. after `saveCheckpoint(file, { tensors: dict })`). */
export function disposeStateDict(dict: StateDict): void {
  for (const tensor of Object.values(dict)) tensor.dispose();
}
