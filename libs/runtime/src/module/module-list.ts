import { Module } from './module';

/**
 * Holds child modules under the names '0', '1', … (PyTorch `nn.ModuleList`), giving state-dict
 * keys such as `layer1.0.conv1.weight`.
 */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  private readonly items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const module of modules) this.append(module);
  }

  append(module: M): this {
    this.registerModule(String(this.items.length), module);
    this.items.push(module);
    return this;
  }

  get length(): number {
    return this.items.length;
  }

  /** Module at `index` (negative counts from the end); throws when out of range. */
  at(index: number): M {
    const module = this.items.at(index);
    if (module === undefined) throw new RangeError(`ModuleList index ${index} out of range (length ${this.items.length})`);
    return module;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
