/**
 * `Module`: a typed counterpart of torch.nn.Module for TF.js.
 *
 * Subclasses register parameters (tf.Variables), buffers (non-trainable tensors such as running
 * statistics or int32 step counters) and child modules in their constructor, keeping the returned
 * handles in typed fields:
 *
 *   class ConvBn extends Module {
 *     readonly weight: tf.Variable;
 *     constructor(cin: number, cout: number, rng: Rng) {
 *       super();
 *       this.weight = this.registerParameter('weight', () => kaimingNormal([3, 3, cin, cout], rng));
 *       this.registerBuffer('numBatchesTracked', tf.scalar(0, 'int32'));
 *     }
 *   }
 *
 * Ownership: the module owns everything registered with it and frees it in `dispose()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  EXTRA_STATE_KEY,
  StateDictError,
  type LoadStateDictOptions,
  type LoadStateDictResult,
  type StateDict,
  type StateDictMismatch,
} from './state-dict';

export interface RegisterParameterOptions {
  /** Whether optimisers update it (tf.Variable.trainable, PyTorch requires_grad). Default true. */
  trainable?: boolean;
}

export interface RegisterBufferOptions {
  /** Whether the buffer is part of `stateDict()`. Default true (PyTorch's `persistent`). */
  persistent?: boolean;
}

export interface NamedOptions {
  /** Prepended to every name with a dot. Default ''. */
  prefix?: string;
  /** Include descendants, not only this module's own entries. Default true. */
  recurse?: boolean;
}

interface BufferSlot {
  tensor: tf.Tensor;
  persistent: boolean;
}

/** A tensor, or a function building one (run inside tf.tidy so temporaries are freed). */
export type TensorOrInit = tf.Tensor | (() => tf.Tensor);

const VALID_NAME = /^[^.]+$/;

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

export abstract class Module {
  private readonly parameterSlots = new Map<string, tf.Variable>();
  private readonly bufferSlots = new Map<string, BufferSlot>();
  private readonly childSlots = new Map<string, Module>();
  private isTraining = true;
  private disposed = false;

  /** True in training mode (the default), false after `eval()`. */
  get training(): boolean {
    return this.isTraining;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  // ---------------------------------------------------------------- registration

  /**
   * Registers a parameter and returns its tf.Variable. A plain tensor (or the result of an init
   * function) is consumed: the Variable takes over its data and the tensor is disposed. Passing an
   * existing tf.Variable shares it (weight tying); it is then disposed only once.
   */
  protected registerParameter(name: string, value: TensorOrInit, options: RegisterParameterOptions = {}): tf.Variable {
    this.checkNewName(name);
    const trainable = options.trainable ?? true;
    let variable: tf.Variable;
    if (value instanceof tf.Variable) {
      variable = value;
      variable.trainable = trainable;
    } else {
      const tensor = typeof value === 'function' ? tf.tidy(value) : value;
      variable = tf.variable(tensor, trainable);
      tensor.dispose();
    }
    this.parameterSlots.set(name, variable);
    return variable;
  }

  /**
   * Registers a buffer: module state that is not trained (running statistics, int32 counters).
   * The module takes ownership (the tensor is kept out of any enclosing tf.tidy). Read the current
   * value with `buffer(name)`: `setBuffer` replaces the tensor, so do not cache it in a field.
   */
  protected registerBuffer(name: string, tensor: tf.Tensor, options: RegisterBufferOptions = {}): tf.Tensor {
    this.checkNewName(name);
    this.bufferSlots.set(name, { tensor: tf.keep(tensor), persistent: options.persistent ?? true });
    return tensor;
  }

  /** Registers a child module under `name` and returns it. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    this.checkNewName(name);
    if ((module as Module) === this || module.modules().includes(this)) {
      throw new Error(`registerModule(${JSON.stringify(name)}): would create a cycle in the module tree`);
    }
    this.childSlots.set(name, module);
    return module;
  }

  /** Replaces buffer `name` (own buffer or dotted path); the previous tensor is disposed. */
  setBuffer(name: string, tensor: tf.Tensor): void {
    const { owner, localName } = this.resolve(name);
    const slot = owner.bufferSlots.get(localName);
    if (slot === undefined) throw new Error(`${owner.constructor.name} has no buffer ${JSON.stringify(localName)}`);
    if (slot.tensor === tensor) return;
    const previous = slot.tensor;
    slot.tensor = tf.keep(tensor);
    previous.dispose();
  }

  /** Current value of buffer `name` (own buffer or dotted path). */
  buffer(name: string): tf.Tensor {
    const { owner, localName } = this.resolve(name);
    const slot = owner.bufferSlots.get(localName);
    if (slot === undefined) throw new Error(`${owner.constructor.name} has no buffer ${JSON.stringify(localName)}`);
    return slot.tensor;
  }

  /** Parameter by own name or dotted path, e.g. `layer1.0.conv1.weight`. */
  parameter(name: string): tf.Variable {
    const { owner, localName } = this.resolve(name);
    const variable = owner.parameterSlots.get(localName);
    if (variable === undefined) throw new Error(`${owner.constructor.name} has no parameter ${JSON.stringify(localName)}`);
    return variable;
  }

  /** Descendant module by dotted path ('' is this module). */
  submodule(path: string): Module {
    if (path === '') return this;
    let current: Module = this;
    for (const part of path.split('.')) {
      const child = current.childSlots.get(part);
      if (child === undefined) throw new Error(`${current.constructor.name} has no submodule ${JSON.stringify(part)} (path ${JSON.stringify(path)})`);
      current = child;
    }
    return current;
  }

  // ---------------------------------------------------------------- traversal

  /** Immediate children with their names. */
  namedChildren(): Array<[string, Module]> {
    return [...this.childSlots.entries()];
  }

  children(): Module[] {
    return [...this.childSlots.values()];
  }

  /** This module and all descendants, depth first, each module once ('' names this module). */
  namedModules(prefix = ''): Array<[string, Module]> {
    const seen = new Set<Module>();
    const out: Array<[string, Module]> = [];
    const visit = (module: Module, name: string): void => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([name, module]);
      for (const [childName, child] of module.childSlots) visit(child, join(name, childName));
    };
    visit(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with dotted names; a parameter shared by several modules is listed once. */
  namedParameters(options: NamedOptions = {}): Array<[string, tf.Variable]> {
    const seen = new Set<tf.Variable>();
    const out: Array<[string, tf.Variable]> = [];
    for (const [moduleName, module] of this.scope(options)) {
      for (const [name, variable] of module.parameterSlots) {
        if (seen.has(variable)) continue;
        seen.add(variable);
        out.push([join(moduleName, name), variable]);
      }
    }
    return out;
  }

  parameters(options: NamedOptions = {}): tf.Variable[] {
    return this.namedParameters(options).map(([, v]) => v);
  }

  /** Parameters with `trainable` true: the var list to give an optimiser. */
  trainableParameters(options: NamedOptions = {}): tf.Variable[] {
    return this.parameters(options).filter((v) => v.trainable);
  }

  /** Buffers (persistent or not) with dotted names. */
  namedBuffers(options: NamedOptions = {}): Array<[string, tf.Tensor]> {
    const out: Array<[string, tf.Tensor]> = [];
    for (const [moduleName, module] of this.scope(options)) {
      for (const [name, slot] of module.bufferSlots) out.push([join(moduleName, name), slot.tensor]);
    }
    return out;
  }

  buffers(options: NamedOptions = {}): tf.Tensor[] {
    return this.namedBuffers(options).map(([, t]) => t);
  }

  /** Number of parameter elements (shared parameters counted once). */
  numParameters(options: { trainableOnly?: boolean } = {}): number {
    const list = options.trainableOnly ? this.trainableParameters() : this.parameters();
    return list.reduce((sum, v) => sum + v.size, 0);
  }

  /** Calls `fn` on every descendant, then on this module (PyTorch `apply`). */
  apply(fn: (module: Module) => void): this {
    for (const child of this.childSlots.values()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---------------------------------------------------------------- modes

  /** Sets training mode on this module and all descendants (PyTorch `train(mode)`). */
  train(mode = true): this {
    for (const module of this.modules()) module.isTraining = mode;
    return this;
  }

  /** Same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Sets `trainable` on every parameter of this subtree (PyTorch `requires_grad_`). */
  setRequiresGrad(requiresGrad: boolean): this {
    for (const variable of this.parameters()) variable.trainable = requiresGrad;
    return this;
  }

  /** Excludes all parameters of this subtree from training. */
  freeze(): this {
    return this.setRequiresGrad(false);
  }

  unfreeze(): this {
    return this.setRequiresGrad(true);
  }

  // ---------------------------------------------------------------- state dict

  /**
   * Override to save state that is neither a parameter nor a buffer (e.g. a variable-length
   * history). Return new tensors, which become `<module>._extra_state.<key>` entries and are owned
   * by the caller of `stateDict()`. Non-tensor values (counters, flags) are stored as small int32
   * or float32 tensors. Modules overriding this must also override `setExtraState`.
   */
  protected getExtraState(): StateDict | undefined {
    return undefined;
  }

  /**
   * Receives the `_extra_state` entries of this module, keyed without the prefix (possibly none,
   * e.g. from an older checkpoint). The tensors belong to the caller: clone what you keep. Throw
   * to reject them; `loadStateDict` has already validated all parameters and buffers by then.
   */
  protected setExtraState(state: StateDict): void {
    const keys = Object.keys(state);
    if (keys.length > 0) throw new Error(`${this.constructor.name} has no extra state, got ${keys.join(', ')}`);
  }

  private acceptsExtraState(): boolean {
    return this.setExtraState !== Module.prototype.setExtraState;
  }

  /**
   * Snapshot of parameters, persistent buffers and extra state under dotted names. The tensors are
   * new handles owned by the caller (cheap: they share data with the module, and later updates to
   * the module do not change them): dispose them with `disposeStateDict`.
   */
  stateDict(options: { prefix?: string } = {}): StateDict {
    const dict: StateDict = {};
    try {
      this.collectState(options.prefix ?? '', dict);
    } catch (error) {
      for (const tensor of Object.values(dict)) tensor.dispose();
      throw error;
    }
    return dict;
  }

  private collectState(prefix: string, dict: StateDict): void {
    const put = (key: string, tensor: tf.Tensor): void => {
      if (key in dict) {
        tensor.dispose();
        throw new Error(`stateDict: duplicate key ${JSON.stringify(key)}`);
      }
      dict[key] = tf.keep(tensor); // the caller owns it, even when called inside tf.tidy
    };
    for (const [name, variable] of this.parameterSlots) put(join(prefix, name), tf.clone(variable));
    for (const [name, slot] of this.bufferSlots) {
      if (slot.persistent) put(join(prefix, name), tf.clone(slot.tensor));
    }
    const extra = this.getExtraState();
    if (extra !== undefined) {
      for (const [key, tensor] of Object.entries(extra)) put(join(join(prefix, EXTRA_STATE_KEY), key), tensor);
    }
    for (const [name, child] of this.childSlots) child.collectState(join(prefix, name), dict);
  }

  /**
   * Copies values from `dict` into this module tree. Checks everything first and throws a
   * {@link StateDictError} naming every missing/unexpected key (when `strict`, the default) and
   * every shape/dtype mismatch (always), leaving the module untouched. `dict` stays owned by the
   * caller: parameters and buffers get their own handles to the data.
   */
  loadStateDict(dict: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    type Target = { kind: 'parameter'; variable: tf.Variable } | { kind: 'buffer'; owner: Module; name: string };
    const targets = new Map<string, Target & { current: tf.Tensor }>();
    const extraPrefixes: Array<{ prefix: string; module: Module }> = [];

    const visit = (module: Module, prefix: string): void => {
      for (const [name, variable] of module.parameterSlots) {
        targets.set(join(prefix, name), { kind: 'parameter', variable, current: variable });
      }
      for (const [name, slot] of module.bufferSlots) {
        if (slot.persistent) targets.set(join(prefix, name), { kind: 'buffer', owner: module, name, current: slot.tensor });
      }
      if (module.acceptsExtraState()) extraPrefixes.push({ prefix: `${join(prefix, EXTRA_STATE_KEY)}.`, module });
      for (const [name, child] of module.childSlots) visit(child, join(prefix, name));
    };
    visit(this, '');

    const mismatches: StateDictMismatch[] = [];
    const unexpectedKeys: string[] = [];
    const extraByModule = new Map<Module, StateDict>(extraPrefixes.map(({ module }) => [module, {}]));
    for (const [key, value] of Object.entries(dict)) {
      const target = targets.get(key);
      if (target !== undefined) {
        const { current } = target;
        if (current.dtype !== value.dtype || !tf.util.arraysEqual(current.shape, value.shape)) {
          mismatches.push({
            key,
            expected: { shape: [...current.shape], dtype: current.dtype },
            got: { shape: [...value.shape], dtype: value.dtype },
          });
        }
        continue;
      }
      const owner = extraPrefixes.find(({ prefix }) => key.startsWith(prefix));
      if (owner !== undefined) {
        (extraByModule.get(owner.module) as StateDict)[key.slice(owner.prefix.length)] = value;
      } else {
        unexpectedKeys.push(key);
      }
    }
    const missingKeys = [...targets.keys()].filter((key) => !(key in dict));

    if (mismatches.length > 0 || (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0))) {
      throw new StateDictError(this.constructor.name, strict ? missingKeys : [], strict ? unexpectedKeys : [], mismatches);
    }

    for (const [key, target] of targets) {
      const value = dict[key];
      if (value === undefined) continue;
      if (target.kind === 'parameter') {
        // assign() would free shared data if handed the variable's own data, so skip that no-op.
        if (value.dataId !== target.variable.dataId) target.variable.assign(value);
      } else {
        target.owner.setBuffer(target.name, tf.clone(value));
      }
    }
    for (const [module, state] of extraByModule) module.setExtraState(state);
    return { missingKeys, unexpectedKeys };
  }

  // ---------------------------------------------------------------- lifetime

  /**
   * Frees every parameter, buffer and child module. Idempotent; shared parameters and modules are
   * freed once. Subclasses holding other tensors override it and call `super.dispose()`.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const child of this.childSlots.values()) child.dispose();
    for (const variable of this.parameterSlots.values()) {
      // Variable.dispose() is not idempotent: a second call would drop another handle's data.
      if (!variable.isDisposed) variable.dispose();
    }
    for (const slot of this.bufferSlots.values()) slot.tensor.dispose();
  }

  // ---------------------------------------------------------------- helpers

  private scope(options: NamedOptions): Array<[string, Module]> {
    const prefix = options.prefix ?? '';
    return (options.recurse ?? true) ? this.namedModules(prefix) : [[prefix, this]];
  }

  private resolve(path: string): { owner: Module; localName: string } {
    const cut = path.lastIndexOf('.');
    if (cut < 0) return { owner: this, localName: path };
    return { owner: this.submodule(path.slice(0, cut)), localName: path.slice(cut + 1) };
  }

  private checkNewName(name: string): void {
    if (this.disposed) throw new Error(`${this.constructor.name} is disposed`);
    if (!VALID_NAME.test(name)) {
      throw new Error(`${this.constructor.name}: invalid name ${JSON.stringify(name)} (must be non-empty and contain no '.')`);
    }
    if (name === EXTRA_STATE_KEY) throw new Error(`${this.constructor.name}: the name ${EXTRA_STATE_KEY} is reserved`);
    if (this.parameterSlots.has(name) || this.bufferSlots.has(name) || this.childSlots.has(name)) {
      throw new Error(`${this.constructor.name}: ${JSON.stringify(name)} is already registered`);
    }
  }
}
