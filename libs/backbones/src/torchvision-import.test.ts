import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, initBackend, type RawTensor } from '@kestrel/runtime';
import { ResNet } from './resnet';
import { kestrelKeyForTorchvision, loadTorchvisionResNet } from './torchvision-import';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** A torchvision resnet18 state_dict at 1/8 width, in PyTorch layouts (OIHW convs, int64 counters). */
function torchvisionResnet18(width: number): Map<string, { shape: number[]; values: Float32Array | BigInt64Array }> {
  const entries = new Map<string, { shape: number[]; values: Float32Array | BigInt64Array }>();
  let seed = 1;
  const floats = (shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const s = seed++;
    return Float32Array.from({ length: n }, (_, i) => Math.sin(s * 1000 + i) * 0.5);
  };
  const conv = (name: string, cout: number, cin: number, k: number) => entries.set(`${name}.weight`, { shape: [cout, cin, k, k], values: floats([cout, cin, k, k]) });
  const bn = (name: string, c: number) => {
    for (const p of ['weight', 'bias', 'running_mean']) entries.set(`${name}.${p}`, { shape: [c], values: floats([c]) });
    entries.set(`${name}.running_var`, { shape: [c], values: floats([c]).map((v) => 1 + Math.abs(v)) });
    entries.set(`${name}.num_batches_tracked`, { shape: [], values: BigInt64Array.from([12345n]) });
  };
  const stem = 64 * width;
  conv('conv1', stem, 3, 7);
  bn('bn1', stem);
  let cin = stem;
  for (let l = 1; l <= 4; l++) {
    const c = 64 * width * 2 ** (l - 1);
    for (let b = 0; b < 2; b++) {
      conv(`layer${l}.${b}.conv1`, c, cin, 3);
      bn(`layer${l}.${b}.bn1`, c);
      conv(`layer${l}.${b}.conv2`, c, c, 3);
      bn(`layer${l}.${b}.bn2`, c);
      if (b === 0 && cin !== c) {
        conv(`layer${l}.${b}.downsample.0`, c, cin, 1);
        bn(`layer${l}.${b}.downsample.1`, c);
      }
      cin = c;
    }
  }
  entries.set('fc.weight', { shape: [1000, cin], values: floats([1000, cin]) });
  entries.set('fc.bias', { shape: [1000], values: floats([1000]) });
  return entries;
}

function writeSafetensors(entries: ReturnType<typeof torchvisionResnet18>): string {
  const raw: Record<string, RawTensor> = {};
  for (const [name, { shape, values }] of entries) {
    raw[name] = { dtype: values instanceof BigInt64Array ? 'I64' : 'F32', shape, data: new Uint8Array(values.buffer) };
  }
  const file = join(mkdtempSync(join(tmpdir(), 'kestrel-tv-')), 'resnet18.safetensors');
  writeFileSync(file, Buffer.concat(encodeSafetensors(raw)));
  return file;
}

describe('torchvision ResNet import', () => {
  it('maps torchvision names to Kestrel names', () => {
    expect(kestrelKeyForTorchvision('conv1.weight')).toBe('conv1.weight');
    expect(kestrelKeyForTorchvision('bn1.running_var')).toBe('conv1.norm.running_var');
    expect(kestrelKeyForTorchvision('layer3.1.bn2.bias')).toBe('layer3.1.conv2.norm.bias');
    expect(kestrelKeyForTorchvision('layer2.0.downsample.0.weight')).toBe('layer2.0.downsample.weight');
    expect(kestrelKeyForTorchvision('layer2.0.downsample.1.running_mean')).toBe('layer2.0.downsample.norm.running_mean');
    expect(kestrelKeyForTorchvision('fc.weight')).toBeUndefined();
  });

  it('loads every tensor, OIHW filters transposed to HWIO, the classifier ignored', async () => {
    const source = torchvisionResnet18(0.125);
    const file = writeSafetensors(source);
    const net = new ResNet({ depth: 18, width: 0.125, norm: 'bn', freezeAt: 0 });
    const report = await loadTorchvisionResNet(net, file);
    expect(report.ignored.sort()).toEqual(['fc.bias', 'fc.weight']);
    // Filter element [co, ci, kh, kw] lands at [kh, kw, ci, co].
    const src = source.get('layer2.0.conv1.weight')!;
    const [co, ci, k] = src.shape as [number, number, number];
    const w = net.parameter('layer2.0.conv1.weight');
    expect(w.shape).toEqual([k, k, ci, co]);
    const hwio = w.dataSync();
    for (const [o, i, y, x] of [[0, 0, 0, 0], [co - 1, 2, 1, 2], [3, ci - 1, 2, 0]] as const) {
      expect(hwio[((y * k + x) * ci + i) * co + o]).toBe(src.values[((o * ci + i) * k + y) * k + x]);
    }
    expect(Array.from(net.buffer('layer1.1.conv2.norm.running_var').dataSync())).toEqual(Array.from(source.get('layer1.1.bn2.running_var')!.values as Float32Array));
    expect(net.buffer('conv1.norm.num_batches_tracked').dataSync()[0]).toBe(12345);
    net.dispose();
  });

  it('loads into frozen-bn and cbn backbones too, and names what is missing', async () => {
    const source = torchvisionResnet18(0.125);
    const file = writeSafetensors(source);
    for (const norm of ['frozen-bn', 'cbn']) {
      const net = new ResNet({ depth: 18, width: 0.125, norm, freezeAt: 0 });
      const report = await loadTorchvisionResNet(net, file);
      expect(report.ignored.includes('bn1.num_batches_tracked')).toBe(norm === 'frozen-bn');
      expect(Array.from(net.buffer('conv1.norm.running_mean').dataSync())).toEqual(Array.from(source.get('bn1.running_mean')!.values as Float32Array));
      net.dispose();
    }
    source.delete('layer4.1.conv2.weight');
    const net = new ResNet({ depth: 18, width: 0.125, norm: 'bn', freezeAt: 0 });
    await expect(loadTorchvisionResNet(net, writeSafetensors(source))).rejects.toThrow(
      /resnet18.safetensors: torchvision ResNet weights lack 1 tensor\(s\) the model needs, e.g. layer4.1.conv2.weight/,
    );
    const wide = new ResNet({ depth: 18, width: 0.25, norm: 'bn', freezeAt: 0 });
    await expect(loadTorchvisionResNet(wide, file)).rejects.toThrow(/"conv1.weight": expected \[7, 7, 3, 16\] float32, got \[7, 7, 3, 8\] float32/);
    net.dispose();
    wide.dispose();
  });
});
