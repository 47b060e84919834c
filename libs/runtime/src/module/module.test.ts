import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { kaimingNormal, ones, zeros } from './init';
import { Module } from './module';
import { ModuleList } from './module-list';
import { Rng } from './rng';
import { disposeStateDict, StateDictError, type StateDict } from './state-dict';

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

// A miniature detectron2-style tree: model.backbone.layer1.<i>.conv1 …

class ConvBn extends Module {
  readonly weight: tf.Variable;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(cin: number, cout: number, rng: Rng) {
    super();
    this.weight = this.registerParameter('weight', () => kaimingNormal([3, 3, cin, cout], rng, { mode: 'fan_out' }));
    this.gamma = this.registerParameter('gamma', ones([cout]));
    this.beta = this.registerParameter('beta', zeros([cout]));
    this.registerBuffer('runningMean', zeros([cout]));
    this.registerBuffer('runningVar', ones([cout]));
    this.registerBuffer('numBatchesTracked', tf.scalar(0, 'int32'));
  }

  /** Stands in for a training-mode forward pass that updates statistics. */
  track(): void {
    tf.tidy(() => {
      this.setBuffer('numBatchesTracked', tf.add(this.buffer('numBatchesTracked'), tf.scalar(1, 'int32')));
      this.setBuffer('runningMean', tf.add(this.buffer('runningMean'), 0.5));
    });
  }
}

class Block extends Module {
  readonly conv1: ConvBn;
  readonly conv2: ConvBn;
  constructor(channels: number, rng: Rng) {
    super();
    this.conv1 = this.registerModule('conv1', new ConvBn(channels, channels, rng.fork('conv1')));
    this.conv2 = this.registerModule('conv2', new ConvBn(channels, channels, rng.fork('conv2')));
  }
}

class Backbone extends Module {
  readonly stem: ConvBn;
  readonly layer1: ModuleList<Block>;
  constructor(rng: Rng) {
    super();
    this.stem = this.registerModule('stem', new ConvBn(3, 4, rng.fork('stem')));
    this.layer1 = this.registerModule('layer1', new ModuleList([0, 1].map((i) => new Block(4, rng.fork(`layer1.${i}`)))));
  }
}

class Head extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  constructor(rng: Rng) {
    super();
    this.weight = this.registerParameter('weight', () => kaimingNormal([4, 2], rng));
    this.bias = this.registerParameter('bias', tf.zeros([2]));
  }
}

class Model extends Module {
  readonly backbone: Backbone;
  readonly head: Head;
  constructor(seed: number) {
    super();
    const rng = new Rng(seed);
    this.backbone = this.registerModule('backbone', new Backbone(rng.fork('backbone')));
    this.head = this.registerModule('head', new Head(rng.fork('head')));
  }
}

const convParams = (p: string): string[] => [`${p}.weight`, `${p}.gamma`, `${p}.beta`];
const convBuffers = (p: string): string[] => [`${p}.runningMean`, `${p}.runningVar`, `${p}.numBatchesTracked`];
const convPaths = [
  'backbone.stem',
  'backbone.layer1.0.conv1',
  'backbone.layer1.0.conv2',
  'backbone.layer1.1.conv1',
  'backbone.layer1.1.conv2',
];

function bytesOf(t: tf.Tensor): number[] {
  return Array.from(new Uint8Array(t.dataSync().slice().buffer));
}

describe('Module naming and traversal', () => {
  let model: Model;
  beforeEach(() => {
    model = new Model(1);
  });
  afterEach(() => model.dispose());

  it('names parameters and buffers with dotted PyTorch-style paths', () => {
    expect(model.namedParameters().map(([n]) => n)).toEqual([...convPaths.flatMap(convParams), 'head.weight', 'head.bias']);
    expect(model.namedBuffers().map(([n]) => n)).toEqual(convPaths.flatMap(convBuffers));
    expect(model.backbone.layer1.namedParameters({ prefix: 'l' }).map(([n]) => n)[0]).toBe('l.0.conv1.weight');
    expect(model.namedParameters({ recurse: false })).toEqual([]);
    expect(model.head.namedParameters({ recurse: false }).map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(model.parameter('backbone.layer1.1.conv2.weight')).toBe(model.backbone.layer1.at(1).conv2.weight);
    expect(model.submodule('backbone.layer1.0')).toBe(model.backbone.layer1.at(0));
    expect(model.buffer('backbone.stem.numBatchesTracked').dtype).toBe('int32');
    expect(() => model.parameter('backbone.nope.weight')).toThrow(/no submodule "nope"/);
  });

  it('lists children and modules', () => {
    expect(model.namedChildren().map(([n]) => n)).toEqual(['backbone', 'head']);
    expect(model.children()).toEqual([model.backbone, model.head]);
    expect(model.namedModules().map(([n]) => n)).toEqual([
      '',
      'backbone',
      'backbone.stem',
      'backbone.layer1',
      'backbone.layer1.0',
      'backbone.layer1.0.conv1',
      'backbone.layer1.0.conv2',
      'backbone.layer1.1',
      'backbone.layer1.1.conv1',
      'backbone.layer1.1.conv2',
      'head',
    ]);
    expect(model.modules()[0]).toBe(model);
    expect([...model.backbone.layer1]).toEqual([model.backbone.layer1.at(0), model.backbone.layer1.at(1)]);
    expect(model.backbone.layer1.at(-1)).toBe(model.backbone.layer1.at(1));
    expect(() => model.backbone.layer1.at(2)).toThrow(RangeError);
    // 5 ConvBn × (3·3·cin·cout + 2·cout) + head 4·2 + 2
    expect(model.numParameters()).toBe(9 * 3 * 4 + 8 + 4 * (9 * 16 + 8) + 10);
  });

  it('rejects bad and duplicate names and cycles', () => {
    class Bad extends Module {
      add(name: string): void {
        this.registerBuffer(name, tf.zeros([1]));
      }
      addChild(name: string, m: Module): void {
        this.registerModule(name, m);
      }
    }
    const bad = new Bad();
    bad.add('x');
    expect(() => bad.add('x')).toThrow(/"x" is already registered/);
    expect(() => bad.add('a.b')).toThrow(/invalid name/);
    expect(() => bad.add('')).toThrow(/invalid name/);
    expect(() => bad.add('_extra_state')).toThrow(/reserved/);
    expect(() => bad.addChild('self', bad)).toThrow(/cycle/);
    bad.dispose();
  });

  it('propagates train/eval recursively', () => {
    expect(model.modules().every((m) => m.training)).toBe(true);
    expect(model.eval()).toBe(model);
    expect(model.modules().every((m) => !m.training)).toBe(true);
    model.backbone.layer1.train();
    expect(model.training).toBe(false);
    expect(model.backbone.stem.training).toBe(false);
    expect(model.backbone.layer1.at(1).conv2.training).toBe(true);
    model.train(true);
    expect(model.modules().every((m) => m.training)).toBe(true);
  });

  it('freezes and unfreezes parameters', () => {
    model.backbone.freeze();
    expect(model.trainableParameters()).toEqual([model.head.weight, model.head.bias]);
    expect(model.parameters()).toHaveLength(17);
    model.backbone.stem.unfreeze();
    expect(model.trainableParameters()).toHaveLength(5);
    model.unfreeze();
    expect(model.trainableParameters()).toHaveLength(17);
  });

  it('shares a tied parameter once in parameters() and disposes it once', () => {
    const before = tf.memory().numTensors;
    class Tied extends Module {
      readonly encoder: Head;
      readonly decoderWeight: tf.Variable;
      constructor() {
        super();
        this.encoder = this.registerModule('encoder', new Head(new Rng(0)));
        this.decoderWeight = this.registerParameter('decoderWeight', this.encoder.weight);
      }
    }
    const tied = new Tied();
    expect(tied.parameters()).toHaveLength(2);
    const dict = tied.stateDict();
    expect(Object.keys(dict).sort()).toEqual(['decoderWeight', 'encoder.bias', 'encoder.weight']);
    disposeStateDict(dict);
    tied.dispose();
    tied.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('buffers', () => {
  it('setBuffer replaces and disposes the previous tensor, inside tidy too', () => {
    const conv = new ConvBn(2, 2, new Rng(0));
    const old = conv.buffer('numBatchesTracked');
    const count = tf.memory().numTensors;
    conv.track();
    conv.track();
    expect(old.isDisposed).toBe(true);
    expect(conv.buffer('numBatchesTracked').dataSync()[0]).toBe(2);
    expect(Array.from(conv.buffer('runningMean').dataSync())).toEqual([1, 1]);
    expect(tf.memory().numTensors).toBe(count);
    expect(() => conv.setBuffer('nope', tf.zeros([1]))).toThrow(/no buffer "nope"/);
    conv.dispose();
  });

  it('keeps non-persistent buffers out of the state dict', () => {
    class Cache extends Module {
      constructor() {
        super();
        this.registerBuffer('anchors', tf.zeros([4]), { persistent: false });
        this.registerBuffer('step', tf.scalar(0, 'int32'));
      }
    }
    const cache = new Cache();
    const dict = cache.stateDict();
    expect(Object.keys(dict)).toEqual(['step']);
    expect(cache.namedBuffers().map(([n]) => n)).toEqual(['anchors', 'step']);
    disposeStateDict(dict);
    cache.dispose();
  });
});

describe('state dict', () => {
  it('round-trips parameters and buffers bit-exactly between differently seeded models', () => {
    const a = new Model(1);
    const b = new Model(2);
    a.backbone.stem.track();
    expect(bytesOf(a.head.weight)).not.toEqual(bytesOf(b.head.weight));

    const dict = a.stateDict();
    expect(Object.keys(dict)).toEqual([
      ...convPaths.flatMap((p) => [...convParams(p), ...convBuffers(p)]),
      'head.weight',
      'head.bias',
    ]);
    expect(b.loadStateDict(dict)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    disposeStateDict(dict); // b must not depend on the dict's handles

    for (const [name, value] of a.namedParameters()) expect(bytesOf(b.parameter(name))).toEqual(bytesOf(value));
    for (const [name, value] of a.namedBuffers()) expect(bytesOf(b.buffer(name))).toEqual(bytesOf(value));
    expect(b.buffer('backbone.stem.numBatchesTracked').dataSync()[0]).toBe(1);
    a.dispose();
    b.dispose();
  });

  it('is a snapshot: later updates do not change it', () => {
    const model = new Model(1);
    const dict = model.stateDict();
    const saved = bytesOf(dict['head.bias']!);
    model.head.bias.assign(tf.ones([2]));
    model.backbone.stem.track();
    expect(bytesOf(dict['head.bias']!)).toEqual(saved);
    expect(dict['backbone.stem.numBatchesTracked']!.dataSync()[0]).toBe(0);
    disposeStateDict(dict);
    // Taken inside tf.tidy, the dict still belongs to the caller.
    let inTidy: StateDict = {};
    tf.tidy(() => {
      inTidy = model.stateDict();
    });
    expect(Object.values(inTidy).some((t) => t.isDisposed)).toBe(false);
    disposeStateDict(inTidy);
    model.dispose();
  });

  it('reports missing and unexpected keys and mismatches, leaving the module untouched', () => {
    const model = new Model(1);
    const dict = model.stateDict();
    const original = bytesOf(model.head.bias);

    const withExtra: StateDict = { ...dict, 'head.extra': tf.zeros([1]) };
    delete withExtra['head.weight'];
    withExtra['head.bias'] = tf.ones([2]);
    let error: unknown;
    try {
      model.loadStateDict(withExtra);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    expect((error as StateDictError).missingKeys).toEqual(['head.weight']);
    expect((error as StateDictError).unexpectedKeys).toEqual(['head.extra']);
    expect((error as Error).message).toContain('Error(s) in loading state dict for Model');
    expect((error as Error).message).toContain('Missing key(s): "head.weight"');
    expect((error as Error).message).toContain('Unexpected key(s): "head.extra"');
    expect(bytesOf(model.head.bias)).toEqual(original);

    expect(model.loadStateDict(withExtra, { strict: false })).toEqual({
      missingKeys: ['head.weight'],
      unexpectedKeys: ['head.extra'],
    });
    expect(Array.from(model.head.bias.dataSync())).toEqual([1, 1]);

    const wrongShape: StateDict = { ...dict, 'backbone.stem.weight': tf.zeros([3, 3, 3, 5]) };
    expect(() => model.loadStateDict(wrongShape, { strict: false })).toThrow(
      '"backbone.stem.weight": expected [3, 3, 3, 4] float32, got [3, 3, 3, 5] float32',
    );
    const wrongDtype: StateDict = { ...dict, 'backbone.stem.numBatchesTracked': tf.scalar(0) };
    expect(() => model.loadStateDict(wrongDtype)).toThrow(
      '"backbone.stem.numBatchesTracked": expected [] int32, got [] float32',
    );
    tf.dispose([withExtra['head.extra']!, withExtra['head.bias']!, wrongShape['backbone.stem.weight']!]);
    tf.dispose(wrongDtype['backbone.stem.numBatchesTracked']!);
    disposeStateDict(dict);
    model.dispose();
  });

  it('saves and restores extra state through the getExtraState/setExtraState hooks', () => {
    /** Keeps a variable-length history of past statistics, as cross-iteration BN does. */
    class History extends Module {
      history: tf.Tensor[] = [];
      readonly gamma: tf.Variable;
      constructor() {
        super();
        this.gamma = this.registerParameter('gamma', tf.ones([2]));
      }
      push(t: tf.Tensor): void {
        this.history.push(tf.keep(t));
      }
      protected override getExtraState(): StateDict {
        return Object.fromEntries(this.history.map((t, i) => [`history.${i}`, tf.clone(t)]));
      }
      protected override setExtraState(state: StateDict): void {
        tf.dispose(this.history);
        const count = Object.keys(state).length;
        this.history = Array.from({ length: count }, (_, i) => {
          const t = state[`history.${i}`];
          if (t === undefined) throw new Error(`history.${i} missing`);
          return tf.keep(tf.clone(t));
        });
      }
      override dispose(): void {
        tf.dispose(this.history);
        super.dispose();
      }
    }
    class Net extends Module {
      readonly norm: History;
      constructor() {
        super();
        this.norm = this.registerModule('norm', new History());
      }
    }
    const before = tf.memory().numTensors;
    const a = new Net();
    a.norm.push(tf.tensor([1, 2]));
    a.norm.push(tf.tensor([3, 4]));
    const dict = a.stateDict();
    expect(Object.keys(dict)).toEqual(['norm.gamma', 'norm._extra_state.history.0', 'norm._extra_state.history.1']);
    const b = new Net();
    b.loadStateDict(dict);
    expect(b.norm.history.map((t) => Array.from(t.dataSync()))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    // A module without the hook rejects _extra_state keys as unexpected.
    const plain = new Head(new Rng(0));
    const foreign: StateDict = { ...plain.stateDict(), '_extra_state.x': tf.zeros([1]) };
    expect(() => plain.loadStateDict(foreign)).toThrow(/Unexpected key\(s\): "_extra_state.x"/);
    disposeStateDict(foreign);
    disposeStateDict(dict);
    a.dispose();
    b.dispose();
    plain.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('memory', () => {
  it('keeps the tensor count flat over create, state dict round trips and dispose', () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const model = new Model(i);
      const other = new Model(i + 10);
      const dict = model.stateDict();
      other.loadStateDict(dict);
      other.loadStateDict(dict);
      disposeStateDict(dict);
      other.backbone.stem.track();
      model.dispose();
      other.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees the temporaries of init functions', () => {
    const before = tf.memory().numTensors;
    class Net extends Module {
      constructor() {
        super();
        this.registerParameter('w', () => tf.add(tf.mul(tf.ones([3]), 2), 1));
      }
    }
    const net = new Net();
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(Array.from(net.parameter('w').dataSync())).toEqual([3, 3, 3]);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
